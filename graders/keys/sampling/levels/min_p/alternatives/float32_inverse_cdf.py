"""Correct: float32 throughout (softmax, filters, cumulative sums, a float32 uniform for the inverse
CDF), min-p as a boolean mask on the sorted probabilities against the first (largest) one."""

import numpy as np


def softmax32(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def sample(logits, temperature=1.0, top_k=None, top_p=None, min_p=None, rng=None):
    x = np.asarray(logits, dtype=np.float32)
    if np.isnan(x).any():
        raise ValueError("logits must not contain NaN")
    if temperature < 0:
        raise ValueError("negative temperature")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k < 1")
    if top_p is not None and (top_p <= 0 or top_p > 1):
        raise ValueError("top_p outside (0, 1]")
    if min_p is not None and (min_p < 0 or min_p > 1):
        raise ValueError("min_p outside [0, 1]")
    if temperature == 0:
        return int(np.argmax(x))

    probs = softmax32(x / np.float32(temperature))
    order = np.argsort(-probs, kind="stable")
    p = probs[order]                                         # sorted, float32
    if top_k is not None:
        p[top_k:] = 0
        p /= p.sum()
    if top_p is not None:
        cum = np.cumsum(p)
        last = int(np.searchsorted(cum, np.float32(top_p)))  # first index with cum >= top_p
        p[last + 1:] = 0
        p /= p.sum()
    if min_p is not None:
        p = np.where(p >= np.float32(min_p) * p[0], p, np.float32(0))
        p /= p.sum()

    rng = np.random.default_rng() if rng is None else rng
    cdf = np.cumsum(p)
    u = rng.random(dtype=np.float32) * cdf[-1]
    i = int(np.searchsorted(cdf, u, side="right"))
    i = min(i, int(np.flatnonzero(p)[-1]))                  # float32 rounding of u * cdf[-1]
    return int(order[i])
