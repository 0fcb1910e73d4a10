"""Mutant: ignores `axis` and always reduces the last one."""

import numpy as np


def logsumexp(x, axis=-1):
    m = np.max(x, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0).astype(x.dtype)
    with np.errstate(divide="ignore"):
        return m[..., 0] + np.log(np.sum(np.exp(x - m), axis=-1))
