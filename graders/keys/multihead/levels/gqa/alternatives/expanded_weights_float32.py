"""Alternative: expand W_k and W_v to one column block per query head, then plain multi-head attention in the input dtype."""

import math

import numpy as np


def grouped_query_attention(x, W_q, W_k, W_v, W_o, num_heads, num_kv_heads, mask=None):
    B, T, d_model = x.shape
    if d_model % num_heads or num_heads % num_kv_heads:
        raise ValueError("num_heads must divide d_model and num_kv_heads must divide num_heads")
    dtype = np.result_type(x, W_q, W_k, W_v, W_o)
    H, d_head = num_heads, d_model // num_heads
    group = H // num_kv_heads
    # (d_model, G*d_head) -> (d_model, G, d_head) -> (d_model, H*d_head): block g repeated for its group
    W_k = W_k.reshape(d_model, num_kv_heads, d_head).repeat(group, axis=1).reshape(d_model, H * d_head)
    W_v = W_v.reshape(d_model, num_kv_heads, d_head).repeat(group, axis=1).reshape(d_model, H * d_head)
    x, W_q, W_k, W_v, W_o = (a.astype(dtype) for a in (x, W_q, W_k, W_v, W_o))

    def heads(t):                                                           # (B, T, d_model) -> (B, H, T, d_head)
        return t.reshape(B, T, H, d_head).transpose(0, 2, 1, 3)

    q, k, v = heads(x @ W_q), heads(x @ W_k), heads(x @ W_v)
    scores = (q @ k.transpose(0, 1, 3, 2)) * dtype.type(1 / math.sqrt(d_head))   # (B, H, T, T)
    masked = np.zeros(scores.shape, bool) if mask is None else np.broadcast_to(mask, scores.shape)
    scores = np.where(masked, -np.inf, scores)
    m = scores.max(axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(dtype)
    e = np.exp(scores - m)
    s = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(s > 0, s, 1).astype(dtype)                       # dead rows: 0 / 1
    concat = (weights @ v).transpose(0, 2, 1, 3).reshape(B, T, d_model)
    return concat @ W_o
