"""The lists are class attributes (keys = [] in the class body): every cache shares the same storage."""

import math

import numpy as np


def causal_mask(T):
    return np.triu(np.ones((T, T), dtype=bool), k=1)


class KVCache:
    keys, values = [], []

    def __init__(self, max_len, num_heads, d_head, dtype=np.float32):
        self.max_len, self.shape, self.dtype = max_len, (num_heads, d_head), dtype

    def append(self, k, v):
        if k.ndim == 2:                       # a single token (H, d_head)
            k, v = k[None], v[None]
        if len(self.keys) + len(k) > self.max_len:
            raise ValueError("KV cache overflow")
        self.keys.extend(np.asarray(k, dtype=self.dtype))
        self.values.extend(np.asarray(v, dtype=self.dtype))

    def get(self):
        if not self.keys:
            return np.zeros((0, *self.shape), self.dtype), np.zeros((0, *self.shape), self.dtype)
        return np.stack(self.keys), np.stack(self.values)

    def __len__(self):
        return len(self.keys)


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
    return out.transpose(1, 0, 2).reshape(T, d_model) @ w_o


def prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    return attend(x, w_q, w_k, w_v, w_o, cache, num_heads)


def decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return attend(x_new[None, :], w_q, w_k, w_v, w_o, cache, num_heads)[0]
