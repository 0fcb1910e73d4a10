"""Correct: each slice by a Python loop with math, moved to the last axis first; the max shift with
the infinities treated by hand."""

import math

import numpy as np


def _row(values):
    m = max(values)
    if m == math.inf:
        return math.inf
    if m == -math.inf:
        return -math.inf
    return m + math.log(sum(math.exp(v - m) for v in values))


def logsumexp(x, axis=-1):
    moved = np.moveaxis(x, axis, -1)                       # (..., n)
    flat = moved.reshape(-1, moved.shape[-1])              # (rows, n)
    out = np.array([_row([float(v) for v in row]) for row in flat])
    return out.reshape(moved.shape[:-1]).astype(x.dtype)
