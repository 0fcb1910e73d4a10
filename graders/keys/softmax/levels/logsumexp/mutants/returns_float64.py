"""Mutant: computes in float64 for accuracy and forgets to cast back: float32 in, float64 out."""

import numpy as np


def logsumexp(x, axis=-1):
    z = np.asarray(x, dtype=np.float64)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(z - m), axis=axis))
