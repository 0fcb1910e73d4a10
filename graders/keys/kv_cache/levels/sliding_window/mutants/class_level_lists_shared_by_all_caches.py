"""Mutant: the token lists are class attributes: every cache appends to, and evicts from, the same lists."""

import numpy as np


class SlidingWindowCache:
    keys, values = [], []                                 # per-token (H, d_head) arrays, oldest first

    def __init__(self, window, num_heads, d_head, dtype=np.float32):
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        self.window, self.num_heads, self.d_head, self.dtype = window, num_heads, d_head, np.dtype(dtype)

    def append(self, k, v):
        k, v = np.asarray(k), np.asarray(v)
        if k.ndim == 2:
            k, v = k[None], v[None]
        if k.ndim != 3 or k.shape[1:] != (self.num_heads, self.d_head) or v.shape != k.shape:
            raise ValueError(f"bad shapes {k.shape} and {v.shape}")
        self.keys.extend(k[-self.window:].astype(self.dtype))
        self.values.extend(v[-self.window:].astype(self.dtype))
        del self.keys[:-self.window], self.values[:-self.window]   # evict the oldest

    def get(self):
        empty = np.zeros((0, self.num_heads, self.d_head), dtype=self.dtype)
        return (np.stack(self.keys) if self.keys else empty), (np.stack(self.values) if self.values else empty)

    def __len__(self):
        return len(self.keys)


def _softmax(scores):
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _windowed_attention(x, w_q, w_k, w_v, w_o, cache, num_heads):
    T, d_model = x.shape
    dtype = np.result_type(x, w_q, w_k, w_v, w_o, cache.dtype)
    x64 = np.asarray(x, dtype=np.float64)
    q, k, v = ((x64 @ np.asarray(w, dtype=np.float64)).reshape(T, num_heads, -1) for w in (w_q, w_k, w_v))
    past_k, past_v = cache.get()
    S = len(past_k)
    K = np.concatenate([past_k, k.astype(cache.dtype)]).astype(np.float64)
    V = np.concatenate([past_v, v.astype(cache.dtype)]).astype(np.float64)
    cache.append(k, v)
    scores = np.einsum("thd,shd->hts", q, K) / np.sqrt(d_model // num_heads)
    keys, query = np.arange(S + T)[None, :], S + np.arange(T)[:, None]
    scores = np.where((keys > query) | (keys <= query - cache.window), -np.inf, scores)
    heads = np.einsum("hts,shd->thd", _softmax(scores), V)
    return (heads.reshape(T, d_model) @ np.asarray(w_o, dtype=np.float64)).astype(dtype)


def sliding_prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    return _windowed_attention(np.asarray(x), w_q, w_k, w_v, w_o, cache, num_heads)


def sliding_decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return _windowed_attention(np.asarray(x_new)[None, :], w_q, w_k, w_v, w_o, cache, num_heads)[0]
