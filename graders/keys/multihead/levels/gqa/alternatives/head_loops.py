"""Alternative: a Python loop over query heads, head h slicing KV head h // (H // G) out of K and V."""

import math

import numpy as np


def softmax_rows(scores, masked):
    """Masked softmax of each row of a (T, T) array; rows with no key left are zeros."""
    out = np.zeros_like(scores)
    for i in range(scores.shape[0]):
        keep = ~masked[i]
        if keep.any():
            s = scores[i, keep]
            e = np.exp(s - s.max())
            out[i, keep] = e / e.sum()
    return out


def grouped_query_attention(x, W_q, W_k, W_v, W_o, num_heads, num_kv_heads, mask=None):
    B, T, d_model = x.shape
    if d_model % num_heads != 0:
        raise ValueError("num_heads must divide d_model")
    if num_heads % num_kv_heads != 0:
        raise ValueError("num_kv_heads must divide num_heads")
    dtype = np.result_type(x, W_q, W_k, W_v, W_o)
    d_head = d_model // num_heads
    group = num_heads // num_kv_heads
    masks = np.broadcast_to(np.zeros((T, T), bool) if mask is None else mask, (B, num_heads, T, T))
    concat = np.zeros((B, T, d_model))
    for b in range(B):
        xb = x[b].astype(np.float64)
        Q, K, V = xb @ W_q, xb @ W_k, xb @ W_v
        for h in range(num_heads):
            g = h // group
            q = Q[:, h * d_head:(h + 1) * d_head]
            k = K[:, g * d_head:(g + 1) * d_head]
            v = V[:, g * d_head:(g + 1) * d_head]
            weights = softmax_rows(q @ k.T / math.sqrt(d_head), masks[b, h])
            concat[b, :, h * d_head:(h + 1) * d_head] = weights @ v
    return (concat @ W_o).astype(dtype)
