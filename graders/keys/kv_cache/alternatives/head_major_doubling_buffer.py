"""Correct: a head-major cache (H, capacity, d_head) whose capacity doubles up to max_len (get()
transposes back to (len, H, d_head)); per-head column slices of the weights, W_o applied as the
sum over heads of head_h @ W_o[rows of head h] (the same as concatenating first); decode_step has
its own vector code path, no mask at all. Float32 stays float32 (the scale is a Python float)."""

import math

import numpy as np


def causal_mask(T):
    return ~np.tri(T, T, dtype=bool)


class KVCache:
    def __init__(self, max_len, num_heads, d_head, dtype=np.float32):
        self.max_len, self.H, self.d_head = max_len, num_heads, d_head
        self.dtype = np.dtype(dtype)
        self.n = 0
        self._grow(min(4, max_len))

    def _grow(self, capacity):
        k = np.zeros((self.H, capacity, self.d_head), dtype=self.dtype)
        v = np.zeros_like(k)
        if self.n:
            k[:, :self.n], v[:, :self.n] = self.k[:, :self.n], self.v[:, :self.n]
        self.k, self.v = k, v

    def append(self, k, v):
        if np.ndim(k) == 2:
            k, v = np.expand_dims(k, 0), np.expand_dims(v, 0)
        n = np.shape(k)[0]
        if self.n + n > self.max_len:
            raise ValueError(f"appending {n} tokens to {self.n} would exceed max_len={self.max_len}")
        capacity = self.k.shape[1]
        while capacity < self.n + n:
            capacity = min(2 * capacity, self.max_len)
        if capacity != self.k.shape[1]:
            self._grow(capacity)
        self.k[:, self.n:self.n + n] = np.swapaxes(k, 0, 1)
        self.v[:, self.n:self.n + n] = np.swapaxes(v, 0, 1)
        self.n += n

    def get(self):
        return np.swapaxes(self.k[:, :self.n], 0, 1), np.swapaxes(self.v[:, :self.n], 0, 1)

    def __len__(self):
        return self.n


def _softmax(s):
    e = np.exp(s - np.max(s, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _columns(w, h, d):
    return w[:, h * d:(h + 1) * d]


def prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    T, d_model = x.shape
    d = d_model // num_heads
    k = np.stack([x @ _columns(w_k, h, d) for h in range(num_heads)], axis=1)   # (T, H, d)
    v = np.stack([x @ _columns(w_v, h, d) for h in range(num_heads)], axis=1)
    start = len(cache)
    cache.append(k, v)
    L = start + T
    allowed = np.arange(L)[None, :] <= start + np.arange(T)[:, None]            # (T, L)
    out = 0
    for h in range(num_heads):
        q_h = x @ _columns(w_q, h, d)                                           # (T, d)
        s = q_h @ cache.k[h, :L].T / math.sqrt(d)                               # (T, L)
        s = np.where(allowed, s, -np.inf)
        out = out + (_softmax(s) @ cache.v[h, :L]) @ w_o[h * d:(h + 1) * d]
    return out


def decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    d = x_new.shape[0] // num_heads
    cache.append((x_new @ w_k).reshape(num_heads, d), (x_new @ w_v).reshape(num_heads, d))
    L = len(cache)
    q = (x_new @ w_q).reshape(num_heads, 1, d)                                  # (H, 1, d)
    s = q @ np.swapaxes(cache.k[:, :L], 1, 2) / math.sqrt(d)                    # (H, 1, L)
    o = (_softmax(s) @ cache.v[:, :L])[:, 0]                                    # (H, d)
    return o.reshape(-1) @ w_o
