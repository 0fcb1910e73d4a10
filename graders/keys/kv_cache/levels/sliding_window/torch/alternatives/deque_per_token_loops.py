"""Alternative: a deque(maxlen=window) of per-token (k, v) pairs, attention written as Python loops
over queries and heads, each query slicing its own window out of [cached tokens + chunk]."""

import math
from collections import deque

import torch


class SlidingWindowCache:
    def __init__(self, window, num_heads, d_head, dtype=torch.float32):
        if window < 1:
            raise ValueError("window must be >= 1")
        self.window, self.num_heads, self.d_head, self.dtype = window, num_heads, d_head, dtype
        self.tokens = deque(maxlen=window)               # (k, v) pairs, each (H, d_head), oldest first

    def append(self, k, v):
        if k.dim() == 2:
            k, v = k[None], v[None]
        if k.shape != v.shape or k.dim() != 3 or tuple(k.shape[1:]) != (self.num_heads, self.d_head):
            raise ValueError(f"bad k/v shapes {tuple(k.shape)}, {tuple(v.shape)}")
        for kt, vt in zip(k[-self.window:], v[-self.window:]):
            self.tokens.append((kt.to(self.dtype, copy=True), vt.to(self.dtype, copy=True)))

    def get(self):
        if not self.tokens:
            empty = torch.zeros(0, self.num_heads, self.d_head, dtype=self.dtype)
            return empty, empty.clone()
        return torch.stack([kt for kt, _ in self.tokens]), torch.stack([vt for _, vt in self.tokens])

    def __len__(self):
        return len(self.tokens)


def _attend(x, w_q, w_k, w_v, w_o, cache, num_heads):
    T, d_model = x.shape
    d_head = d_model // num_heads
    out_dtype = x.dtype
    for t in (w_q, w_k, w_v, w_o):
        out_dtype = torch.promote_types(out_dtype, t.dtype)
    out_dtype = torch.promote_types(out_dtype, cache.dtype)
    x, w_q, w_k, w_v, w_o = (a.double() for a in (x, w_q, w_k, w_v, w_o))
    q, k, v = x @ w_q, x @ w_k, x @ w_v                  # (T, d_model) each
    past_k, past_v = cache.get()
    S = past_k.shape[0]
    keys = list(past_k.reshape(S, d_model).double()) + list(k.to(cache.dtype).double())
    values = list(past_v.reshape(S, d_model).double()) + list(v.to(cache.dtype).double())
    cache.append(k.reshape(T, num_heads, d_head), v.reshape(T, num_heads, d_head))
    rows = []
    for i in range(T):
        lo, hi = max(0, S + i - cache.window + 1), S + i + 1   # the query's window in keys/values
        K, V = torch.stack(keys[lo:hi]), torch.stack(values[lo:hi])  # (n, d_model)
        row = []
        for h in range(num_heads):
            cols = slice(h * d_head, (h + 1) * d_head)
            s = K[:, cols] @ q[i, cols] / math.sqrt(d_head)
            p = torch.exp(s - s.max())
            row.append((p / p.sum()) @ V[:, cols])
        rows.append(torch.cat(row))
    return (torch.stack(rows) @ w_o).to(out_dtype)


def sliding_prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(x, w_q, w_k, w_v, w_o, cache, num_heads)


def sliding_decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(x_new[None], w_q, w_k, w_v, w_o, cache, num_heads)[0]
