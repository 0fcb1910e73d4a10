"""Helpers every kata may use inside the worker."""

import random
import sys

import numpy as np


def seed_global_random(seed):
    """Seed the process's global random states with `seed`: NumPy's legacy `np.random`, Python's
    `random`, and torch's default generator when torch is loaded. A determinism test seeds two
    processes differently: a result that depends on these states then differs between them."""
    np.random.seed(seed)
    random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)
    return seed


class GlobalRandomWatch:
    """Snapshots the global random states (NumPy's legacy `np.random`, Python's `random`, and torch's
    default generator when torch is loaded: a PyTorch attempt) when built; `touched()` then names the
    ones a solution has used or reseeded since. In-process evidence, which a solution that rewrites its
    own process can hide: the sound check of "the result does not depend on the global state" is a
    fresh process seeded differently (`seed_global_random`)."""

    def __init__(self):
        self.numpy_state = np.random.get_state()
        self.python_state = random.getstate()
        torch = sys.modules.get("torch")
        self.torch_state = None if torch is None else torch.get_rng_state()

    def touched(self):
        names = []
        now = np.random.get_state()
        if not (now[0] == self.numpy_state[0] and np.array_equal(now[1], self.numpy_state[1])
                and now[2:] == self.numpy_state[2:]):
            names.append("np.random")
        if random.getstate() != self.python_state:
            names.append("random")
        torch = sys.modules.get("torch")
        if self.torch_state is not None and not torch.equal(torch.get_rng_state(), self.torch_state):
            names.append("torch")
        return names


class EventLog:
    """A log that stays in the judge (`lend(EventLog())`): a recorder in the worker sends each event
    as it happens (`record(kind, value)`), so rewriting the recorder afterwards changes nothing. Events
    come from the solution's process: only a short string and a bool, an int or a small array each,
    at most MAX_EVENTS of them."""

    LENT_METHODS = ("record",)
    MAX_EVENTS = 10_000
    MAX_ARRAY_BYTES = 64 * 2**10

    def __init__(self):
        self.log = []

    def record(self, kind, value):
        if not (isinstance(kind, str) and len(kind) <= 40):
            raise TypeError("an event's kind is a short string")
        small_array = isinstance(value, np.ndarray) and value.nbytes <= self.MAX_ARRAY_BYTES
        if not (small_array or type(value) in (bool, int)):
            raise TypeError("an event's value is a bool, an int or a small array")
        if len(self.log) >= self.MAX_EVENTS:
            raise ValueError(f"more than {self.MAX_EVENTS} events")
        self.log.append((kind, value))

    def events(self, kind):
        """The values recorded under `kind`, oldest first."""
        return [value for k, value in self.log if k == kind]
