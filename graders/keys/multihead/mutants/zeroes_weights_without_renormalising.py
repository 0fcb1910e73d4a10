"""Zeroes the masked weights after an unmasked softmax: rows no longer sum to 1."""

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

    def split(t):                                            # (B, T, d_model) -> (B, H, T, d_head)
        return t.reshape(B, T, num_heads, d_head).transpose(0, 2, 1, 3)

    q, k, v = split(x @ W_q), split(x @ W_k), split(x @ W_v)
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d_head)     # (B, H, T, T)
    if mask is not None:
        mask = np.broadcast_to(mask, scores.shape)
        dead = mask.all(axis=-1, keepdims=True)              # (B, H, T, 1): no key left
        scores = np.where(dead, 0.0, scores)                 # keep the softmax finite
    weights = softmax(scores, axis=-1)
    if mask is not None:
        weights = np.where(mask, 0.0, weights)               # masked keys get no weight
    heads = weights @ v                                      # (B, H, T, d_head)
    concat = heads.transpose(0, 2, 1, 3).reshape(B, T, d_model)
    return concat @ W_o
