"""Correct: plain matmuls in the input dtype (float32 arithmetic for float32 inputs), -inf fill,
fully masked rows given finite scores before the softmax and zeroed after."""

import math

import numpy as np


def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def self_attention(x, w_q, w_k, w_v, mask=None):
    q, k, v = x @ w_q, x @ w_k, x @ w_v                          # (B, T, d_k), (B, T, d_k), (B, T, d_v)
    scores = q @ np.swapaxes(k, 1, 2) / math.sqrt(k.shape[-1])   # (B, T, T), stays float32
    if mask is None:
        return softmax(scores) @ v
    mask = np.broadcast_to(mask, scores.shape)
    dead = mask.all(axis=-1, keepdims=True)                      # (B, T, 1) rows with no key left
    scores = np.where(mask & ~dead, -np.inf, scores)
    weights = np.where(dead, 0.0, softmax(scores))
    return weights @ v
