"""Alternative: a ring buffer with a write pointer, get() unrolled with np.roll, the whole block cast
before the tail is written; attention per head with an explicit position-distance mask."""

import math

import numpy as np


class SlidingWindowCache:
    def __init__(self, window, num_heads, d_head, dtype=np.float32):
        if not window >= 1:
            raise ValueError(f"window={window}: need at least 1")
        self.window, self.shape, self.dtype = window, (num_heads, d_head), np.dtype(dtype)
        self.keys = np.zeros((window, num_heads, d_head), self.dtype)
        self.values = np.zeros((window, num_heads, d_head), self.dtype)
        self.ptr = 0            # the slot the next token goes to
        self.count = 0          # tokens stored, <= window

    def append(self, k, v):
        k, v = np.asarray(k), np.asarray(v)
        if k.shape != v.shape or k.shape[-2:] != self.shape or k.ndim not in (2, 3):
            raise ValueError(f"k {k.shape} and v {v.shape} must match and end in {self.shape}")
        k = k.reshape(-1, *self.shape).astype(self.dtype)
        v = v.reshape(-1, *self.shape).astype(self.dtype)
        for t in range(max(0, len(k) - self.window), len(k)):
            self.keys[self.ptr], self.values[self.ptr] = k[t], v[t]
            self.ptr = (self.ptr + 1) % self.window
            self.count = min(self.count + 1, self.window)

    def get(self):
        if self.count < self.window:
            return self.keys[:self.count].copy(), self.values[:self.count].copy()
        return np.roll(self.keys, -self.ptr, axis=0), np.roll(self.values, -self.ptr, axis=0)

    def __len__(self):
        return self.count


def softmax(s):
    s = s - s.max(axis=-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


def _attend(x, w_q, w_k, w_v, w_o, cache, num_heads):
    out_dtype = np.result_type(x, w_q, w_k, w_v, w_o, cache.dtype)
    x = np.asarray(x, np.float64)
    T, d_model = x.shape
    d_head = d_model // num_heads
    Q = x @ np.asarray(w_q, np.float64)
    Kn = (x @ np.asarray(w_k, np.float64)).reshape(T, num_heads, d_head)
    Vn = (x @ np.asarray(w_v, np.float64)).reshape(T, num_heads, d_head)
    Kp, Vp = cache.get()
    S = Kp.shape[0]
    K = np.concatenate([Kp, Kn.astype(cache.dtype)], axis=0).astype(np.float64)
    V = np.concatenate([Vp, Vn.astype(cache.dtype)], axis=0).astype(np.float64)
    cache.append(Kn, Vn)
    qpos = np.arange(S, S + T)[:, None]
    kpos = np.arange(S + T)[None, :]
    blocked = (kpos > qpos) | (qpos - kpos >= cache.window)
    heads = []
    for h in range(num_heads):
        s = Q[:, h * d_head:(h + 1) * d_head] @ K[:, h].T / math.sqrt(d_head)
        s[blocked] = -np.inf
        heads.append(softmax(s) @ V[:, h])
    return (np.concatenate(heads, axis=1) @ np.asarray(w_o, np.float64)).astype(out_dtype)


def sliding_prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(x, w_q, w_k, w_v, w_o, cache, num_heads)


def sliding_decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(np.asarray(x_new)[None, :], w_q, w_k, w_v, w_o, cache, num_heads)[0]
