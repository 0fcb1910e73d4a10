"""Mutant: log1p(sum(exp(x - m))) + m, as if the max's own term (exp(0) = 1) were left out of the sum: it is
counted twice."""

import numpy as np


def logsumexp(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0).astype(x.dtype)
    with np.errstate(divide="ignore"):
        return np.squeeze(m, axis=axis) + np.log1p(np.sum(np.exp(x - m), axis=axis))
