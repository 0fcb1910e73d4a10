"""Correct: one fused QKV projection, einsum throughout in the input dtype, the scale folded into
the queries (a new array), masked scores -1e9 and the weights of fully masked rows zeroed by a
multiplication; softmax as exp(x - logsumexp(x))."""

import numpy as np


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, mask=None):
    B, T, d_model = x.shape
    H = num_heads
    if d_model % H != 0:
        raise ValueError("d_model must be a multiple of num_heads")
    d_head = d_model // H
    qkv = x @ np.concatenate([W_q, W_k, W_v], axis=1)                 # (B, T, 3 * d_model)
    q, k, v = np.split(qkv.reshape(B, T, 3, H, d_head), 3, axis=2)    # each (B, T, 1, H, d_head)
    q, k, v = q[:, :, 0], k[:, :, 0], v[:, :, 0]                      # (B, T, H, d_head)
    q = q * (1.0 / d_head ** 0.5)                                     # a Python float keeps float32
    scores = np.einsum("bqhd,bkhd->bhqk", q, k)                       # (B, H, T, T)
    alive = 1.0
    if mask is not None:
        mask = np.broadcast_to(mask, scores.shape)
        scores = np.where(mask, -1e9, scores)
        alive = (~mask.all(axis=-1, keepdims=True)).astype(scores.dtype)   # 0 where no key is left
    m = scores.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(scores - m).sum(axis=-1, keepdims=True))
    weights = np.exp(scores - lse) * alive
    heads = np.einsum("bhqk,bkhd->bqhd", weights, v)                  # (B, T, H, d_head)
    return heads.reshape(B, T, d_model) @ W_o
