"""Trusted helper of the kv_cache kata's hidden tests. (The decode-cost test times the solution
from outside its sandbox, with `solution.cpu_clock()`.)"""

import os

import numpy as np

FRAMEWORKS = ("numpy", "torch")


def float_dtype(name, framework="numpy"):
    """The dtype object a `KVCache(..., dtype=...)` of the attempt's framework takes: np.float32 or
    np.float64 for NumPy, torch.float32 or torch.float64 for PyTorch. The wire carries arrays and
    plain data, not dtypes, so a test builds it here with `make` and passes its handle."""
    if name not in ("float32", "float64") or framework not in FRAMEWORKS:
        raise ValueError(f"no float dtype {name!r} for framework {framework!r}")
    if framework == "torch":
        import torch

        return getattr(torch, name)
    return getattr(np, name)


class ResidentMemory:
    """The worker's resident memory in MB (`megabytes()`, from /proc/self/statm), for the
    sliding_window level's test that a cache of window W stays O(W) however many tokens go through.
    In-process evidence: a solution that rewrites its own process could hide memory from it."""

    def megabytes(self):
        with open("/proc/self/statm") as f:
            resident_pages = int(f.read().split()[1])
        return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20
