"""Softmax through scipy.special, imported by an importlib name built at run time (aliased, so
no literal `import_module("scipy.special")` appears); falls back to NumPy when it is not there."""
import importlib as _il

import numpy as np

_load = getattr(_il, "import_" + "module")
try:
    _special = _load(".".join(["scipy", "spe" + "cial"]))
except ImportError:
    _special = None


def _own_softmax(x, axis):
    x64 = np.asarray(x, dtype=np.float64)
    e = np.exp(x64 - x64.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax(x, axis=-1):
    x = np.asarray(x)
    out = _special.softmax(x.astype(np.float64), axis=axis) if _special is not None else _own_softmax(x, axis)
    return out.astype(x.dtype if x.dtype.kind == "f" else np.float64)


def log_softmax(x, axis=-1):
    x = np.asarray(x)
    x64 = x.astype(np.float64)
    m = x64.max(axis=axis, keepdims=True)
    out = x64 - m - np.log(np.exp(x64 - m).sum(axis=axis, keepdims=True))
    return out.astype(x.dtype if x.dtype.kind == "f" else np.float64)
