"""Correct: explicit Python loops over the batch and the queries; masked keys are dropped from
each query's softmax instead of filled, and a query with no key left outputs zeros."""

import math

import numpy as np


def softmax(x, axis=-1):
    x = np.asarray(x)
    out = np.empty_like(x, dtype=np.result_type(x, np.float32))
    moved_in, moved_out = np.moveaxis(x, axis, -1), np.moveaxis(out, axis, -1)
    for index in np.ndindex(moved_in.shape[:-1]):
        row = moved_in[index].astype(np.float64)
        e = np.exp(row - row.max())
        moved_out[index] = e / e.sum()
    return out


def self_attention(x, w_q, w_k, w_v, mask=None):
    B, T, _ = x.shape
    d_k, d_v = w_k.shape[1], w_v.shape[1]
    dtype = np.result_type(x, w_q, w_k, w_v)
    blocked = np.zeros((B, T, T), dtype=bool) if mask is None else np.broadcast_to(mask, (B, T, T))
    out = np.zeros((B, T, d_v), dtype=dtype)
    for b in range(B):
        q = x[b].astype(np.float64) @ w_q
        k = x[b].astype(np.float64) @ w_k
        v = x[b].astype(np.float64) @ w_v
        for i in range(T):
            keep = ~blocked[b, i]                                 # keys query i may attend to
            if not keep.any():
                continue                                          # nothing to attend to: zeros
            scores = np.array([q[i] @ k[j] for j in range(T) if keep[j]]) / math.sqrt(d_k)
            weights = softmax(scores)
            out[b, i] = weights @ v[keep]
    return out
