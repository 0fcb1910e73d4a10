"""Mutant: guards an all -inf slice but not a +inf entry: inf - inf = NaN there."""

import numpy as np


def logsumexp(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(m == -np.inf, 0.0, m).astype(x.dtype)
    with np.errstate(divide="ignore"):
        return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(x - m), axis=axis))
