"""Mutant: log(sum(exp(x))) with no max shift: exp overflows at 1e4 (and underflows far below 0)."""

import numpy as np


def logsumexp(x, axis=-1):
    return np.log(np.sum(np.exp(x), axis=axis))
