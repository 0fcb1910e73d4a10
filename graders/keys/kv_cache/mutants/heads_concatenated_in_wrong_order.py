"""Heads merged with transpose(1, 2, 0): the concatenation interleaves heads instead of placing them side by side."""

import math

import numpy as np


def causal_mask(T):
    return np.triu(np.ones((T, T), dtype=bool), k=1)


class KVCache:
    def __init__(self, max_len, num_heads, d_head, dtype=np.float32):
        self.max_len = max_len
        self.k = np.zeros((max_len, num_heads, d_head), dtype=dtype)
        self.v = np.zeros((max_len, num_heads, d_head), dtype=dtype)
        self.length = 0

    def append(self, k, v):
        if k.ndim == 2:                       # a single token (H, d_head)
            k, v = k[None], v[None]
        n = k.shape[0]
        if self.length + n > self.max_len:
            raise ValueError(f"KV cache overflow: {self.length} + {n} > {self.max_len}")
        self.k[self.length:self.length + n] = k
        self.v[self.length:self.length + n] = v
        self.length += n

    def get(self):
        return self.k[:self.length], self.v[:self.length]

    def __len__(self):
        return self.length


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def attend(x, w_q, w_k, w_v, w_o, cache, num_heads):
    T, d_model = x.shape
    d_head = d_model // num_heads
    q = (x @ w_q).reshape(T, num_heads, d_head).transpose(1, 0, 2)      # (H, T, d_head)
    k = (x @ w_k).reshape(T, num_heads, d_head)                         # (T, H, d_head)
    v = (x @ w_v).reshape(T, num_heads, d_head)
    past = len(cache)
    cache.append(k, v)
    K, V = cache.get()                                                  # (past + T, H, d_head)
    K, V = K.transpose(1, 0, 2), V.transpose(1, 0, 2)                   # (H, past + T, d_head)
    scores = q @ K.transpose(0, 2, 1) / math.sqrt(d_head)               # (H, T, past + T)
    mask = np.triu(np.ones((T, past + T), dtype=bool), k=past + 1)      # query i is at position past + i
    scores = np.where(mask, -np.inf, scores)
    out = softmax(scores) @ V                                           # (H, T, d_head)
    return out.transpose(1, 2, 0).reshape(T, d_model) @ w_o


def prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    return attend(x, w_q, w_k, w_v, w_o, cache, num_heads)


def decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return attend(x_new[None, :], w_q, w_k, w_v, w_o, cache, num_heads)[0]
