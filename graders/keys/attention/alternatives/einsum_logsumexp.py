"""Correct: einsum throughout, softmax as exp(x - logsumexp(x)), masked scores -inf with the row
max taken only over finite scores; rows with no finite score get weight 0 via the denominator."""

import numpy as np


def softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return np.exp(x - lse)


def self_attention(x, w_q, w_k, w_v, mask=None):
    q = np.einsum("btd,dk->btk", x, w_q)
    k = np.einsum("btd,dk->btk", x, w_k)
    v = np.einsum("btd,dv->btv", x, w_v)
    scale = 1.0 / np.sqrt(q.shape[-1]).item()                     # a Python float keeps float32
    scores = np.einsum("bqk,bsk->bqs", q, k) * scale              # (B, T, T)
    if mask is None:
        return np.einsum("bqs,bsv->bqv", softmax(scores), v)
    allowed = ~np.broadcast_to(mask, scores.shape)
    row_max = np.max(np.where(allowed, scores, -np.inf), axis=-1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    e = np.where(allowed, np.exp(np.where(allowed, scores, row_max) - row_max), 0.0)
    denom = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(denom > 0, denom, 1.0)                 # all-masked rows: 0 / 1 = 0
    return np.einsum("bqs,bsv->bqv", weights, v)
