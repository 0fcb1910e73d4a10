"""Correct: a head-major buffer (H, max_len, d_head); arithmetic in the promoted dtype (float32 stays
float32 inside); heads split with view + transpose and merged with transpose + reshape; the mask
applied with torch.where; decode_step has its own path with no mask at all."""

import math
from functools import reduce

import torch


def causal_mask(T):
    return ~torch.tril(torch.ones(T, T, dtype=torch.bool))


class KVCache:
    def __init__(self, max_len, num_heads, d_head, dtype=torch.float32):
        self.max_len, self.dtype = max_len, dtype
        self.k = torch.zeros(num_heads, max_len, d_head, dtype=dtype)   # (H, max_len, d_head)
        self.v = torch.zeros(num_heads, max_len, d_head, dtype=dtype)
        self.n = 0

    def append(self, k, v):
        if k.dim() == 2:
            k, v = k[None], v[None]
        n = k.shape[0]
        if self.n + n > self.max_len:
            raise ValueError(f"appending {n} tokens to {self.n} would exceed max_len={self.max_len}")
        self.k[:, self.n:self.n + n] = k.transpose(0, 1)               # (H, n, d_head)
        self.v[:, self.n:self.n + n] = v.transpose(0, 1)
        self.n += n

    def get(self):
        return self.k[:, :self.n].transpose(0, 1), self.v[:, :self.n].transpose(0, 1)

    def __len__(self):
        return self.n


def _common_dtype(cache, *tensors):
    return reduce(torch.promote_types, [t.dtype for t in tensors], cache.dtype)


def _softmax(s):
    e = torch.exp(s - s.max(dim=-1, keepdim=True).values)
    return e / e.sum(dim=-1, keepdim=True)


def prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    dt = _common_dtype(cache, x, w_q, w_k, w_v, w_o)
    x, w_q, w_k, w_v, w_o = (t.to(dt) for t in (x, w_q, w_k, w_v, w_o))
    T, d_model = x.shape
    d = d_model // num_heads
    q = (x @ w_q).view(T, num_heads, d).transpose(0, 1)                 # (H, T, d)
    k = (x @ w_k).view(T, num_heads, d)                                 # (T, H, d)
    v = (x @ w_v).view(T, num_heads, d)
    start = len(cache)
    cache.append(k, v)
    L = start + T
    K, V = cache.k[:, :L].to(dt), cache.v[:, :L].to(dt)                 # (H, L, d)
    s = q @ K.transpose(1, 2) / math.sqrt(d)                            # (H, T, L)
    future = torch.arange(L)[None, :] > torch.arange(start, L)[:, None]  # (T, L)
    s = torch.where(future, torch.tensor(-math.inf, dtype=dt), s)
    o = _softmax(s) @ V                                                 # (H, T, d)
    return o.transpose(0, 1).reshape(T, d_model) @ w_o


def decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    dt = _common_dtype(cache, x_new, w_q, w_k, w_v, w_o)
    x, w_q, w_k, w_v, w_o = (t.to(dt) for t in (x_new, w_q, w_k, w_v, w_o))
    d = x.shape[0] // num_heads
    cache.append((x @ w_k).view(num_heads, d), (x @ w_v).view(num_heads, d))
    L = len(cache)
    q = (x @ w_q).view(num_heads, 1, d)                                 # (H, 1, d)
    s = q @ cache.k[:, :L].to(dt).transpose(1, 2) / math.sqrt(d)        # (H, 1, L)
    o = (_softmax(s) @ cache.v[:, :L].to(dt))[:, 0]                     # (H, d)
    return o.reshape(-1) @ w_o
