"""Correct: the cache grows by np.concatenate (no preallocation), attention per head with explicit
transposes, masked scores filled with -1e30 instead of -inf, softmax via logsumexp; float64
inside, the output cast to np.result_type of every input; decode_step is a one-token prefill."""

import numpy as np


def causal_mask(T):
    i = np.arange(T)
    return i[None, :] > i[:, None]


class KVCache:
    def __init__(self, max_len, num_heads, d_head, dtype=np.float32):
        self.max_len = max_len
        self.dtype = np.dtype(dtype)
        self.K = np.empty((0, num_heads, d_head), dtype=self.dtype)
        self.V = np.empty((0, num_heads, d_head), dtype=self.dtype)

    def append(self, k, v):
        k = np.asarray(k, dtype=self.dtype).reshape((-1,) + self.K.shape[1:])
        v = np.asarray(v, dtype=self.dtype).reshape((-1,) + self.V.shape[1:])
        if len(self.K) + len(k) > self.max_len:
            raise ValueError(f"cache overflow: max_len is {self.max_len}")
        self.K = np.concatenate([self.K, k])
        self.V = np.concatenate([self.V, v])

    def get(self):
        return self.K, self.V

    def __len__(self):
        return len(self.K)


def logsumexp(s, axis=-1):
    m = s.max(axis=axis, keepdims=True)
    return m + np.log(np.exp(s - m).sum(axis=axis, keepdims=True))


def prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    out_dtype = np.result_type(x, w_q, w_k, w_v, w_o, cache.dtype)
    x, w_q, w_k, w_v, w_o = (np.asarray(a, dtype=np.float64) for a in (x, w_q, w_k, w_v, w_o))
    T, d_model = x.shape
    d = d_model // num_heads

    def heads(w):                                   # (T, d_model) -> (H, T, d)
        return np.transpose((x @ w).reshape(T, num_heads, d), (1, 0, 2))

    q, k, v = heads(w_q), heads(w_k), heads(w_v)
    start = len(cache)
    cache.append(np.transpose(k, (1, 0, 2)), np.transpose(v, (1, 0, 2)))
    K, V = cache.get()
    K = np.transpose(K, (1, 2, 0)).astype(np.float64)      # (H, d, L)
    V = np.transpose(V, (1, 0, 2)).astype(np.float64)      # (H, L, d)
    s = np.matmul(q, K) / np.sqrt(d)                        # (H, T, L)
    L = K.shape[-1]
    blocked = np.arange(L)[None, :] > (start + np.arange(T))[:, None]
    s = np.where(blocked, -1e30, s)
    p = np.exp(s - logsumexp(s))
    o = np.matmul(p, V)                                     # (H, T, d)
    o = np.transpose(o, (1, 0, 2)).reshape(T, d_model)
    return (o @ w_o).astype(out_dtype)


def decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return prefill(np.reshape(x_new, (1, -1)), w_q, w_k, w_v, w_o, cache, num_heads).reshape(-1)
