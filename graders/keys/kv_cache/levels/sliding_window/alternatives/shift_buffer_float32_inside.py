"""Alternative: a buffer that is re-cut to its last `window` tokens on every append (concatenate, then
keep the tail: O(window + n) memory), attention in the output dtype (float32 stays float32) with a
large negative mask fill."""

import numpy as np


class SlidingWindowCache:
    def __init__(self, window, num_heads, d_head, dtype=np.float32):
        if window < 1:
            raise ValueError("window must be positive")
        self.window = window
        self.dtype = np.dtype(dtype)
        self.k = np.zeros((0, num_heads, d_head), dtype=self.dtype)
        self.v = np.zeros((0, num_heads, d_head), dtype=self.dtype)

    def append(self, k, v):
        k, v = np.asarray(k), np.asarray(v)
        if k.ndim not in (2, 3) or k.shape != v.shape or k.shape[-2:] != self.k.shape[1:]:
            raise ValueError("k and v must both be (H, d_head) or (n, H, d_head)")
        k, v = (a.reshape(-1, *self.k.shape[1:])[-self.window:].astype(self.dtype) for a in (k, v))
        self.k = np.concatenate([self.k, k])[-self.window:]
        self.v = np.concatenate([self.v, v])[-self.window:]

    def get(self):
        return self.k, self.v

    def __len__(self):
        return len(self.k)


def _attend(x, w_q, w_k, w_v, w_o, cache, num_heads):
    dt = np.result_type(x, w_q, w_k, w_v, w_o, cache.dtype)
    x, w_q, w_k, w_v, w_o = (np.asarray(a, dtype=dt) for a in (x, w_q, w_k, w_v, w_o))
    T, d_model = x.shape
    d_head = d_model // num_heads
    q = (x @ w_q).reshape(T, num_heads, d_head).transpose(1, 0, 2)           # (H, T, d_head)
    k_new, v_new = ((x @ w).reshape(T, num_heads, d_head) for w in (w_k, w_v))
    past_k, past_v = cache.get()
    S = len(past_k)
    K = np.concatenate([past_k, k_new.astype(cache.dtype)]).astype(dt).transpose(1, 0, 2)   # (H, S + T, d_head)
    V = np.concatenate([past_v, v_new.astype(cache.dtype)]).astype(dt).transpose(1, 0, 2)
    cache.append(k_new, v_new)
    scores = q @ K.transpose(0, 2, 1) * dt.type(1 / np.sqrt(d_head))         # (H, T, S + T)
    dist = (S + np.arange(T))[:, None] - np.arange(S + T)[None, :]            # query pos - key pos
    scores = np.where((dist >= 0) & (dist < cache.window), scores, dt.type(-1e30))
    p = np.exp(scores - scores.max(axis=-1, keepdims=True))
    heads = (p / p.sum(axis=-1, keepdims=True)) @ V                          # (H, T, d_head)
    return heads.transpose(1, 0, 2).reshape(T, d_model) @ w_o


def sliding_prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(np.asarray(x), w_q, w_k, w_v, w_o, cache, num_heads)


def sliding_decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(np.asarray(x_new)[None], w_q, w_k, w_v, w_o, cache, num_heads)[0]
