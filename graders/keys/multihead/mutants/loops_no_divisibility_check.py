"""No check that num_heads divides d_model: with d_head = d_model // num_heads the leftover columns are silently dropped."""

import math

import numpy as np


def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, mask=None):
    B, T, d_model = x.shape
    d_head = d_model // num_heads
    full_mask = None if mask is None else np.broadcast_to(mask, (B, num_heads, T, T))
    out = 0.0
    for h in range(num_heads):
        cols = slice(h * d_head, (h + 1) * d_head)
        q, k, v = x @ W_q[:, cols], x @ W_k[:, cols], x @ W_v[:, cols]            # (B, T, d_head)
        scores = q @ k.swapaxes(1, 2) / math.sqrt(d_head)                         # (B, T, T)
        if full_mask is None:
            weights = softmax(scores)
        else:
            m = full_mask[:, h]                                                   # (B, T, T)
            dead = m.all(axis=-1, keepdims=True)
            weights = np.where(dead, 0.0, softmax(np.where(m & ~dead, -np.inf, scores)))
        out = out + (weights @ v) @ W_o[cols, :]             # head h's rows of W_o
    return out
