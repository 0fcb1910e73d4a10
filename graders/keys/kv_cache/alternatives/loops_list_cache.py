"""Correct: the cache is a Python list of per-token arrays (copied and cast on append, stacked on
get); attention with explicit loops over heads and keys, float64 inside, cast once at the end."""

import math

import numpy as np


def causal_mask(T):
    mask = np.zeros((T, T), dtype=bool)
    for i in range(T):
        for j in range(i + 1, T):
            mask[i, j] = True
    return mask


class KVCache:
    def __init__(self, max_len, num_heads, d_head, dtype=np.float32):
        self.max_len, self.num_heads, self.d_head = max_len, num_heads, d_head
        self.dtype = dtype
        self.keys, self.values = [], []

    def append(self, k, v):
        k, v = np.asarray(k), np.asarray(v)
        if k.ndim == 2:
            k, v = k[None], v[None]
        if len(self.keys) + len(k) > self.max_len:
            raise ValueError("the cache is full")
        for t in range(len(k)):
            self.keys.append(np.array(k[t], dtype=self.dtype))
            self.values.append(np.array(v[t], dtype=self.dtype))

    def get(self):
        if not self.keys:
            empty = np.empty((0, self.num_heads, self.d_head), dtype=self.dtype)
            return empty, empty.copy()
        return np.stack(self.keys), np.stack(self.values)

    def __len__(self):
        return len(self.keys)


def one_query(q, K, V, n_keys):
    """q (H, d_head) attends to the first n_keys of K, V (L, H, d_head), head by head, key by key."""
    H, d_head = q.shape
    out = np.zeros((H, d_head))
    for h in range(H):
        scores = [float(q[h] @ K[j, h]) / math.sqrt(d_head) for j in range(n_keys)]
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        total = sum(weights)
        for j in range(n_keys):
            out[h] += weights[j] / total * V[j, h]
    return out


def run(x, w_q, w_k, w_v, w_o, cache, num_heads):
    T, d_model = x.shape
    d_head = d_model // num_heads
    x64 = x.astype(np.float64)
    q = (x64 @ w_q.astype(np.float64)).reshape(T, num_heads, d_head)
    k = (x64 @ w_k.astype(np.float64)).reshape(T, num_heads, d_head)
    v = (x64 @ w_v.astype(np.float64)).reshape(T, num_heads, d_head)
    past = len(cache)
    cache.append(k, v)
    K, V = cache.get()
    K, V = K.astype(np.float64), V.astype(np.float64)
    out = np.zeros((T, d_model))
    for i in range(T):
        heads = one_query(q[i], K, V, past + i + 1)          # position past + i sees keys 0..past + i
        out[i] = heads.reshape(d_model) @ w_o.astype(np.float64)
    return out.astype(np.result_type(x, w_q, w_k, w_v, w_o, cache.dtype))


def prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    return run(x, w_q, w_k, w_v, w_o, cache, num_heads)


def decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return run(x_new.reshape(1, -1), w_q, w_k, w_v, w_o, cache, num_heads)[0]
