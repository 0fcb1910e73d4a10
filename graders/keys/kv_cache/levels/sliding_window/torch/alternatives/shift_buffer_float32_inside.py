"""Alternative: a buffer that is re-cut to its last `window` tokens on every append (torch.cat, then
keep the tail: O(window + n) memory), attention in the output dtype (float32 stays float32) with a
large negative mask fill."""

import math
from functools import reduce

import torch


class SlidingWindowCache:
    def __init__(self, window, num_heads, d_head, dtype=torch.float32):
        if window < 1:
            raise ValueError("window must be positive")
        self.window, self.dtype = window, dtype
        self.k = torch.zeros(0, num_heads, d_head, dtype=dtype)
        self.v = torch.zeros(0, num_heads, d_head, dtype=dtype)

    def append(self, k, v):
        if k.dim() not in (2, 3) or k.shape != v.shape or k.shape[-2:] != self.k.shape[1:]:
            raise ValueError("k and v must both be (H, d_head) or (n, H, d_head)")
        k, v = (a.reshape(-1, *self.k.shape[1:])[-self.window:].to(self.dtype) for a in (k, v))
        self.k = torch.cat([self.k, k])[-self.window:].clone()
        self.v = torch.cat([self.v, v])[-self.window:].clone()

    def get(self):
        return self.k, self.v

    def __len__(self):
        return self.k.shape[0]


def _attend(x, w_q, w_k, w_v, w_o, cache, num_heads):
    dt = reduce(torch.promote_types, [t.dtype for t in (x, w_q, w_k, w_v, w_o)] + [cache.dtype])
    x, w_q, w_k, w_v, w_o = (a.to(dt) for a in (x, w_q, w_k, w_v, w_o))
    T, d_model = x.shape
    d_head = d_model // num_heads
    q = (x @ w_q).reshape(T, num_heads, d_head).transpose(0, 1)              # (H, T, d_head)
    k_new, v_new = ((x @ w).reshape(T, num_heads, d_head) for w in (w_k, w_v))
    past_k, past_v = cache.get()
    S = past_k.shape[0]
    K = torch.cat([past_k, k_new.to(cache.dtype)]).to(dt).transpose(0, 1)    # (H, S + T, d_head)
    V = torch.cat([past_v, v_new.to(cache.dtype)]).to(dt).transpose(0, 1)
    cache.append(k_new, v_new)
    scores = q @ K.transpose(1, 2) * (1 / math.sqrt(d_head))                 # (H, T, S + T)
    dist = (S + torch.arange(T))[:, None] - torch.arange(S + T)[None, :]     # query pos - key pos
    scores = torch.where((dist >= 0) & (dist < cache.window), scores, torch.tensor(-1e30, dtype=dt))
    p = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    heads = (p / p.sum(dim=-1, keepdim=True)) @ V                            # (H, T, d_head)
    return heads.transpose(0, 1).reshape(T, d_model) @ w_o


def sliding_prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(x, w_q, w_k, w_v, w_o, cache, num_heads)


def sliding_decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(x_new[None], w_q, w_k, w_v, w_o, cache, num_heads)[0]
