"""Correct: a cache that grows with torch.cat (no preallocation; the overflow checked first); einsum
for the scores and the weighted values, heads split with unflatten; the mask filled with the dtype's
most negative finite value (torch.finfo(dtype).min) instead of -inf; arithmetic in the promoted dtype."""

import math

import torch


def causal_mask(T):
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)


class KVCache:
    def __init__(self, max_len, num_heads, d_head, dtype=torch.float32):
        self.max_len = max_len
        self.dtype = dtype
        self.K = torch.empty(0, num_heads, d_head, dtype=dtype)
        self.V = torch.empty(0, num_heads, d_head, dtype=dtype)

    def append(self, k, v):
        k, v = k.reshape(-1, *self.K.shape[1:]), v.reshape(-1, *self.V.shape[1:])
        if len(self) + k.shape[0] > self.max_len:
            raise ValueError(f"cache overflow: {len(self)} + {k.shape[0]} > {self.max_len}")
        self.K = torch.cat([self.K, k.to(self.dtype)])
        self.V = torch.cat([self.V, v.to(self.dtype)])

    def get(self):
        return self.K, self.V

    def __len__(self):
        return self.K.shape[0]


def _attend(x, w_q, w_k, w_v, w_o, cache, num_heads):
    dt = torch.promote_types(x.dtype, cache.dtype)
    for w in (w_q, w_k, w_v, w_o):
        dt = torch.promote_types(dt, w.dtype)
    x = x.to(dt)
    T, d_model = x.shape
    q, k, v = ((x @ w.to(dt)).unflatten(-1, (num_heads, -1)) for w in (w_q, w_k, w_v))   # (T, H, d)
    past = len(cache)
    cache.append(k, v)
    K, V = (a.to(dt) for a in cache.get())                                                # (S, H, d)
    s = torch.einsum("thd,shd->hts", q, K) / math.sqrt(q.shape[-1])                       # (H, T, S)
    blocked = torch.arange(past + T).unsqueeze(0) > (past + torch.arange(T)).unsqueeze(1)
    s = s.masked_fill(blocked, torch.finfo(dt).min)
    w = torch.exp(s - s.amax(-1, keepdim=True))
    w = w / w.sum(-1, keepdim=True)
    return torch.einsum("hts,shd->thd", w, V).flatten(1) @ w_o.to(dt)


def prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(x, w_q, w_k, w_v, w_o, cache, num_heads)


def decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(x_new[None], w_q, w_k, w_v, w_o, cache, num_heads)[0]
