"""Correct: Hugging Face style logit warpers (temperature, top-k setting all but k logits to -inf,
top-p removing the ascending-cumsum tail <= 1 - top_p, then min-p in logit space: a token stays when
its logit is >= the largest + log(min_p), the same cut as p >= min_p * p_max), rng.choice on the softmax."""

import math

import numpy as np


def _softmax(z):
    z = z - np.max(z)
    e = np.exp(z)
    return e / np.sum(e)


def _top_k(z, k):
    if k >= z.size:
        return z
    keep = np.argsort(-z, kind="stable")[:k]
    out = np.full_like(z, -np.inf)
    out[keep] = z[keep]
    return out


def _top_p(z, p):
    order = np.argsort(z, kind="stable")                       # least probable first
    probs = _softmax(z)[order]
    tail = np.cumsum(probs)                                    # mass of this token and all below it
    remove = tail <= 1 - p
    remove[-1] = False                                         # the most probable always stays
    out = z.copy()
    out[order[remove]] = -np.inf
    return out


def _min_p(z, p):
    if p == 0:
        return z                                               # log(0): nothing to cut
    return np.where(z >= z.max() + math.log(p), z, -np.inf)   # log p_i - log p_max >= log min_p


def sample(logits, temperature=1.0, top_k=None, top_p=None, min_p=None, rng=None):
    z = np.array(logits, dtype=np.float64)                     # a copy
    if np.any(np.isnan(z)):
        raise ValueError("NaN logits")
    if temperature < 0:
        raise ValueError("temperature must be non-negative")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be at least 1")
    if top_p is not None and not (0.0 < top_p <= 1.0):
        raise ValueError("top_p must be in (0, 1]")
    if min_p is not None and not (0.0 <= min_p <= 1.0):
        raise ValueError("min_p must be in [0, 1]")
    if temperature == 0:
        return int(np.argmax(z))
    z = z / temperature
    if top_k is not None:
        z = _top_k(z, top_k)
    if top_p is not None:
        z = _top_p(z, top_p)
    if min_p is not None:
        z = _min_p(z, min_p)
    if rng is None:
        rng = np.random.default_rng()
    return int(rng.choice(z.size, p=_softmax(z)))
