"""Alternative: query heads grouped as (B, G, H/G, T, d_head) against unrepeated K/V broadcast over the group, einsum."""

import numpy as np


def grouped_query_attention(x, W_q, W_k, W_v, W_o, num_heads, num_kv_heads, mask=None):
    B, T, d_model = x.shape
    if d_model % num_heads or num_heads % num_kv_heads:
        raise ValueError("num_heads must divide d_model and num_kv_heads must divide num_heads")
    dtype = np.result_type(x, W_q, W_k, W_v, W_o)
    H, G = num_heads, num_kv_heads
    r, d_head = H // G, d_model // H
    x = x.astype(np.float64)
    q = (x @ W_q).reshape(B, T, G, r, d_head)                               # (B, T, G, r, d_head)
    k = (x @ W_k).reshape(B, T, G, d_head)                                  # (B, T, G, d_head)
    v = (x @ W_v).reshape(B, T, G, d_head)
    scores = np.einsum("bigrd,bjgd->bgrij", q, k) / np.sqrt(d_head)        # (B, G, r, T, T)
    if mask is None:
        mask = np.zeros((1, 1, 1, 1), dtype=bool)
    mask = np.broadcast_to(mask, (B, H, T, T)).reshape(B, G, r, T, T)      # query head g*r + j
    dead = mask.all(axis=-1, keepdims=True)
    scores = np.where(mask | dead, -np.inf, scores)
    m = np.where(dead, 0.0, scores.max(axis=-1, keepdims=True))
    e = np.exp(scores - m)                                                  # masked keys: exp(-inf) = 0
    denom = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(dead, 1.0, denom)
    heads = np.einsum("bgrij,bjgd->bigrd", weights, v)                      # (B, T, G, r, d_head)
    return (heads.reshape(B, T, d_model) @ W_o).astype(dtype)
