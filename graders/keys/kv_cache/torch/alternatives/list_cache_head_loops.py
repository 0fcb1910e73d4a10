"""Correct: the cache is a Python list of the appended blocks, concatenated by get(); a Python loop
over heads, each head's columns sliced out of the weights, W_o applied per head (the sum over heads
of head_h @ W_o[rows of h] equals concatenating first); an additive mask of 0 / -inf built with
torch.full(...).triu(past + 1); float64 inside."""

import math

import torch


def causal_mask(T):
    return torch.arange(T)[None, :] > torch.arange(T)[:, None]


class KVCache:
    def __init__(self, max_len, num_heads, d_head, dtype=torch.float32):
        self.max_len, self.shape, self.dtype = max_len, (num_heads, d_head), dtype
        self.ks, self.vs = [], []
        self.n = 0

    def append(self, k, v):
        block_k = (k if k.dim() == 3 else k.unsqueeze(0)).to(self.dtype, copy=True)
        block_v = (v if v.dim() == 3 else v.unsqueeze(0)).to(self.dtype, copy=True)
        if self.n + block_k.shape[0] > self.max_len:
            raise ValueError("the KV cache is full")
        self.ks.append(block_k)
        self.vs.append(block_v)
        self.n += block_k.shape[0]

    def get(self):
        if not self.ks:
            empty = torch.empty(0, *self.shape, dtype=self.dtype)
            return empty, empty.clone()
        return torch.cat(self.ks), torch.cat(self.vs)

    def __len__(self):
        return self.n


def prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    out_dtype = torch.promote_types(torch.promote_types(x.dtype, cache.dtype),
                                    torch.promote_types(torch.promote_types(w_q.dtype, w_k.dtype),
                                                        torch.promote_types(w_v.dtype, w_o.dtype)))
    x, w_q, w_k, w_v, w_o = (t.double() for t in (x, w_q, w_k, w_v, w_o))
    T, d_model = x.shape
    d = d_model // num_heads
    cols = [slice(h * d, (h + 1) * d) for h in range(num_heads)]
    k = torch.stack([x @ w_k[:, c] for c in cols], dim=1)               # (T, H, d)
    v = torch.stack([x @ w_v[:, c] for c in cols], dim=1)
    past = len(cache)
    cache.append(k, v)
    K, V = (a.double() for a in cache.get())                            # (past + T, H, d)
    mask = torch.full((T, past + T), -math.inf, dtype=torch.float64).triu(past + 1)   # 0 where allowed
    out = torch.zeros(T, d_model, dtype=torch.float64)
    for h, c in enumerate(cols):
        s = (x @ w_q[:, c]) @ K[:, h].T / math.sqrt(d) + mask           # (T, past + T)
        p = torch.exp(s - s.max(dim=1, keepdim=True).values)
        p = p / p.sum(dim=1, keepdim=True)
        out += (p @ V[:, h]) @ w_o[c, :]
    return out.to(out_dtype)


def decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return prefill(x_new.reshape(1, -1), w_q, w_k, w_v, w_o, cache, num_heads).reshape(-1)
