"""Trusted helper of the kv_cache kata's hidden tests. (The decode-cost test times the solution
from outside its sandbox, with `solution.cpu_clock()`.)"""

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
