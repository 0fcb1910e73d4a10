"""Trusted helper of the kv_cache kata's hidden tests. (The decode-cost test times the solution
from outside its sandbox, with `solution.cpu_clock()`.)"""

import numpy as np


def numpy_type(name):
    """np.float32 or np.float64 itself, for a `dtype=` argument: the wire carries arrays and plain
    data, not NumPy types, so a test builds the type here with `make` and passes its handle."""
    return {"float32": np.float32, "float64": np.float64}[name]
