"""Mutant: shifts by the max of the whole array, not of each slice: a row far below it underflows."""

import numpy as np


def logsumexp(x, axis=-1):
    m = np.max(x)
    if not np.isfinite(m):
        m = 0.0
    with np.errstate(divide="ignore"):
        return (np.log(np.sum(np.exp(x - m), axis=axis)) + m).astype(x.dtype)
