"""Correct: einsum throughout, computed in float32 whenever every input and the cache are float32
(float64 only when something is float64); prefill builds its chunk's mask by slicing the full
causal mask; decode_step needs no mask; the cache checks the room before writing anything."""

import numpy as np


def causal_mask(T):
    return np.triu(np.full((T, T), True), 1)


class KVCache:
    def __init__(self, max_len, num_heads, d_head, dtype=np.float32):
        self.max_len = max_len
        self.keys = np.zeros((max_len, num_heads, d_head), dtype)
        self.values = np.zeros((max_len, num_heads, d_head), dtype)
        self.size = 0

    def append(self, k, v):
        k, v = np.asarray(k), np.asarray(v)
        if k.ndim == 2:                                 # one token
            k, v = k[np.newaxis], v[np.newaxis]
        end = self.size + k.shape[0]
        if end > self.max_len:
            raise ValueError("no room left in the KV cache")
        self.keys[self.size:end], self.values[self.size:end] = k, v
        self.size = end

    def get(self):
        return self.keys[:self.size].copy(), self.values[:self.size].copy()

    def __len__(self):
        return self.size


def _attention(q, K, V, mask):
    """q (T, H, d), K/V (L, H, d), mask (T, L) or None -> (T, H, d)."""
    d = q.shape[-1]
    dtype = np.result_type(q, K)
    s = np.einsum("thd,lhd->htl", q, K) * dtype.type(1 / np.sqrt(d))
    if mask is not None:
        s = np.where(mask, dtype.type(-np.inf), s)
    s = s - s.max(-1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(-1, keepdims=True)
    return np.einsum("htl,lhd->thd", p, V)


def _project(x, w, num_heads):
    return np.einsum("tm,mn->tn", x, w).reshape(x.shape[0], num_heads, -1)


def prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    T = x.shape[0]
    q, k, v = (_project(x, w, num_heads) for w in (w_q, w_k, w_v))
    past = len(cache)
    cache.append(k, v)
    K, V = cache.get()
    mask = causal_mask(past + T)[past:]                 # rows of the chunk's positions
    out = _attention(q, K, V, mask).reshape(T, -1)
    return np.einsum("tm,mn->tn", out, w_o)


def decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    x = x_new[np.newaxis]
    q, k, v = (_project(x, w, num_heads) for w in (w_q, w_k, w_v))
    cache.append(k[0], v[0])
    K, V = cache.get()
    return np.einsum("m,mn->n", _attention(q, K, V, None).reshape(-1), w_o)
