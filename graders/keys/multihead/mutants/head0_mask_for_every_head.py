"""Loops over heads and squeezes the head axis of a 4-D mask with mask[:, 0]: head 0's mask is used for every head."""

import math

import numpy as np


def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, mask=None):
    B, T, d_model = x.shape
    if d_model % num_heads != 0:
        raise ValueError("num_heads must divide d_model")
    d_head = d_model // num_heads
    if mask is not None and mask.ndim == 4:
        mask = mask[:, 0]                                    # (B or 1, T or 1, T): drop the head axis
    q, k, v = x @ W_q, x @ W_k, x @ W_v                      # (B, T, d_model)
    heads = []
    for h in range(num_heads):
        cols = slice(h * d_head, (h + 1) * d_head)
        scores = q[..., cols] @ k[..., cols].swapaxes(1, 2) / math.sqrt(d_head)   # (B, T, T)
        if mask is not None:
            m = np.broadcast_to(mask, scores.shape)
            dead = m.all(axis=-1, keepdims=True)             # (B, T, 1)
            scores = np.where(m & ~dead, -np.inf, scores)
            weights = np.where(dead, 0.0, softmax(scores))
        else:
            weights = softmax(scores)
        heads.append(weights @ v[..., cols])                 # (B, T, d_head)
    return np.concatenate(heads, axis=-1) @ W_o
