"""Correct: float64 inside, masked scores filled with -1e9, then np.where zeroes the weights of
fully masked query rows after the softmax (where -1e9 alone would give uniform weights)."""

import numpy as np


def softmax(x, axis=-1):
    x64 = np.asarray(x, dtype=np.float64)
    e = np.exp(x64 - x64.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(x.dtype)


def self_attention(x, w_q, w_k, w_v, mask=None):
    out_dtype = np.result_type(x, w_q, w_k, w_v)
    x, w_q, w_k, w_v = (np.asarray(a, dtype=np.float64) for a in (x, w_q, w_k, w_v))
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = np.matmul(q, k.transpose(0, 2, 1)) / np.sqrt(w_k.shape[1])
    if mask is not None:
        mask = np.broadcast_to(mask, scores.shape)
        scores = np.where(mask, -1e9, scores)
    weights = softmax(scores, axis=-1)
    if mask is not None:
        weights = np.where(mask.all(axis=-1, keepdims=True), 0.0, weights)
    return (weights @ v).astype(out_dtype)
