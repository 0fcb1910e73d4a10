"""Helpers every kata may use inside the worker."""

import random

import numpy as np


class GlobalRandomWatch:
    """Snapshots the global random states (NumPy's legacy `np.random` and Python's `random`) when
    built; `touched()` then names the ones a solution has used or reseeded since."""

    def __init__(self):
        self.numpy_state = np.random.get_state()
        self.python_state = random.getstate()

    def touched(self):
        names = []
        now = np.random.get_state()
        if not (now[0] == self.numpy_state[0] and np.array_equal(now[1], self.numpy_state[1])
                and now[2:] == self.numpy_state[2:]):
            names.append("np.random")
        if random.getstate() != self.python_state:
            names.append("random")
        return names
