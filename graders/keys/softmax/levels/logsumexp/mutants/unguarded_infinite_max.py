"""Mutant: the textbook max shift with no guard: an all -inf row, or a +inf entry, gives inf - inf = NaN."""

import numpy as np


def logsumexp(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(x - m), axis=axis))
