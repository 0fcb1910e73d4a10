"""Correct: a loop over heads on column slices, float64 inside, W_o applied as the sum over heads of
head_h @ W_o[rows of head h] (the same as concat @ W_o); -inf fill, the NaN of fully masked rows
silenced with np.errstate and zeroed per head, before W_o."""

import numpy as np


def _softmax(scores):
    with np.errstate(invalid="ignore"):                       # rows of -inf only: NaN, zeroed below
        e = np.exp(scores - scores.max(axis=-1, keepdims=True))
        return np.nan_to_num(e / e.sum(axis=-1, keepdims=True), nan=0.0)


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, mask=None):
    B, T, d_model = x.shape
    if num_heads <= 0 or d_model % num_heads:
        raise ValueError("num_heads must divide d_model")
    d_head = d_model // num_heads
    dtype = np.result_type(x, W_q, W_k, W_v, W_o)
    x, W_q, W_k, W_v, W_o = (np.asarray(a, dtype=np.float64) for a in (x, W_q, W_k, W_v, W_o))
    if mask is not None:
        mask = np.broadcast_to(mask, (B, num_heads, T, T))
    out = np.zeros((B, T, d_model))
    for h in range(num_heads):
        cols = slice(h * d_head, (h + 1) * d_head)
        q, k, v = x @ W_q[:, cols], x @ W_k[:, cols], x @ W_v[:, cols]    # (B, T, d_head)
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(d_head)               # (B, T, T)
        if mask is not None:
            scores = np.where(mask[:, h], -np.inf, scores)
        out += _softmax(scores) @ v @ W_o[cols]                          # (B, T, d_model)
    return out.astype(dtype)
