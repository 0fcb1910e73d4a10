"""Correct: float32 kept throughout (a scale cast to the inputs' dtype), the row max taken over the
allowed keys only, masked keys given weight 0 by multiplying with the allowed mask, and a row with
nothing allowed given weight 0 through a guarded denominator; heads split and merged with swapaxes."""

import numpy as np


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, mask=None):
    B, T, d_model = x.shape
    if d_model % num_heads != 0:
        raise ValueError(f"num_heads={num_heads} does not divide d_model={d_model}")
    d_head = d_model // num_heads
    dtype = np.result_type(x, W_q, W_k, W_v, W_o)
    to_heads = lambda t: t.reshape(B, T, num_heads, d_head).swapaxes(1, 2)  # noqa: E731  (B, H, T, d_head)
    q, k, v = (to_heads(x @ W) for W in (W_q, W_k, W_v))
    scores = (q @ k.swapaxes(-1, -2)) / dtype.type(np.sqrt(d_head))       # (B, H, T, T)
    allowed = np.ones(scores.shape, dtype=bool)
    if mask is not None:
        allowed = ~np.broadcast_to(mask, scores.shape)
    row_max = np.max(np.where(allowed, scores, -np.inf), axis=-1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0).astype(scores.dtype)
    e = np.exp(np.where(allowed, scores, row_max) - row_max) * allowed    # masked keys: exactly 0
    denom = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(denom > 0, denom, 1)                          # all-masked rows: 0 / 1
    heads = (weights @ v).swapaxes(1, 2).reshape(B, T, d_model)
    return (heads @ W_o).astype(dtype, copy=False)
