"""Adds the mask as a float64 bias, np.where(mask, -inf, 0.0): float32 scores become float64 whenever a mask is given."""

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
    if mask is None:
        return softmax(scores, axis=-1) @ v
    mask = np.broadcast_to(mask, scores.shape)               # (B, T, T)
    fully_masked = mask.all(axis=-1, keepdims=True)          # (B, T, 1)
    bias = np.where(mask & ~fully_masked, -np.inf, 0.0)      # an additive mask, as in the papers
    weights = softmax(scores + bias, axis=-1)
    weights = np.where(fully_masked, 0.0, weights)           # nothing to attend to: zeros
    return weights @ v
