"""Correct: explicit Python loops over the batch, the heads and the queries, float64 inside; masked
keys are dropped from each query's softmax instead of filled, and a head with no key left for a
query leaves that slice of the concatenation at zero."""

import math

import numpy as np


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, mask=None):
    B, T, d_model = x.shape
    if d_model % num_heads:
        raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")
    d_head = d_model // num_heads
    out_dtype = np.result_type(x, W_q, W_k, W_v, W_o)
    blocked = np.zeros((B, num_heads, T, T), dtype=bool)
    if mask is not None:
        blocked = np.broadcast_to(mask, blocked.shape)
    x64 = x.astype(np.float64)
    q, k, v = x64 @ W_q.astype(np.float64), x64 @ W_k.astype(np.float64), x64 @ W_v.astype(np.float64)
    concat = np.zeros((B, T, d_model))
    for b in range(B):
        for h in range(num_heads):
            lo, hi = h * d_head, (h + 1) * d_head
            for i in range(T):
                keys = [j for j in range(T) if not blocked[b, h, i, j]]
                if not keys:
                    continue                                      # nothing to attend to: zeros
                scores = np.array([q[b, i, lo:hi] @ k[b, j, lo:hi] for j in keys]) / math.sqrt(d_head)
                e = np.exp(scores - scores.max())
                weights = e / e.sum()
                concat[b, i, lo:hi] = sum(w * v[b, j, lo:hi] for w, j in zip(weights, keys))
    return (concat @ W_o.astype(np.float64)).astype(out_dtype)
