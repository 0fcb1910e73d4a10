"""Alternative: a deque(maxlen=window) of per-token (k, v) pairs, attention written as Python loops
over queries and heads, each query slicing its own window out of [cached tokens + chunk]."""

from collections import deque

import numpy as np


class SlidingWindowCache:
    def __init__(self, window, num_heads, d_head, dtype=np.float32):
        if window < 1:
            raise ValueError("window must be >= 1")
        self.window, self.num_heads, self.d_head, self.dtype = window, num_heads, d_head, np.dtype(dtype)
        self.tokens = deque(maxlen=window)               # (k, v) pairs, each (H, d_head), oldest first

    def append(self, k, v):
        k, v = np.asarray(k), np.asarray(v)
        if k.ndim == 2:
            k, v = k[None], v[None]
        if k.shape != v.shape or k.ndim != 3 or k.shape[1:] != (self.num_heads, self.d_head):
            raise ValueError(f"bad k/v shapes {k.shape}, {v.shape}")
        for kt, vt in zip(k[-self.window:], v[-self.window:]):
            self.tokens.append((kt.astype(self.dtype), vt.astype(self.dtype)))

    def get(self):
        K = np.empty((len(self.tokens), self.num_heads, self.d_head), dtype=self.dtype)
        V = np.empty_like(K)
        for i, (kt, vt) in enumerate(self.tokens):
            K[i], V[i] = kt, vt
        return K, V

    def __len__(self):
        return len(self.tokens)


def _attend(x, w_q, w_k, w_v, w_o, cache, num_heads):
    T, d_model = x.shape
    d_head = d_model // num_heads
    out_dtype = np.result_type(x, w_q, w_k, w_v, w_o, cache.dtype)
    x, w_q, w_k, w_v, w_o = (np.asarray(a, dtype=np.float64) for a in (x, w_q, w_k, w_v, w_o))
    q, k, v = x @ w_q, x @ w_k, x @ w_v                  # (T, d_model) each
    past_k, past_v = cache.get()
    S = len(past_k)
    keys = list(past_k.reshape(S, d_model).astype(np.float64)) + list(k.astype(cache.dtype).astype(np.float64))
    values = list(past_v.reshape(S, d_model).astype(np.float64)) + list(v.astype(cache.dtype).astype(np.float64))
    cache.append(k.reshape(T, num_heads, d_head), v.reshape(T, num_heads, d_head))
    out = np.zeros((T, d_model))
    for i in range(T):
        lo, hi = max(0, S + i - cache.window + 1), S + i + 1   # the query's window in keys/values
        K, V = np.array(keys[lo:hi]), np.array(values[lo:hi])  # (n, d_model)
        for h in range(num_heads):
            cols = slice(h * d_head, (h + 1) * d_head)
            s = K[:, cols] @ q[i, cols] / np.sqrt(d_head)
            p = np.exp(s - s.max())
            out[i, cols] = (p / p.sum()) @ V[:, cols]
    return (out @ w_o).astype(out_dtype)


def sliding_prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(np.asarray(x), w_q, w_k, w_v, w_o, cache, num_heads)


def sliding_decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(np.asarray(x_new)[None], w_q, w_k, w_v, w_o, cache, num_heads)[0]
