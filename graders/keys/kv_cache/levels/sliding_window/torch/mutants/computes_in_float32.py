"""Mutant: computes everything in float32: float64 inputs and cache lose 9 digits."""


import math
from functools import reduce

import torch


class SlidingWindowCache:
    """Keys and values of the last `window` tokens, per head, in a ring buffer of `window` slots."""

    def __init__(self, window, num_heads, d_head, dtype=torch.float32):
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        self.window, self.num_heads, self.d_head, self.dtype = window, num_heads, d_head, dtype
        self.k = torch.zeros(window, num_heads, d_head, dtype=dtype)   # (W, H, d_head)
        self.v = torch.zeros(window, num_heads, d_head, dtype=dtype)   # (W, H, d_head)
        self.seen = 0                                                  # tokens appended so far

    def append(self, k, v):
        """Store one token ((H, d_head) each) or n tokens ((n, H, d_head) each), cast to the cache's
        dtype; the oldest tokens beyond the window are evicted. Bad shapes: ValueError, nothing stored."""
        if k.dim() == 2:                                  # one token: (H, d_head) -> (1, H, d_head)
            k, v = k.unsqueeze(0), v.unsqueeze(0)
        token_shape = (self.num_heads, self.d_head)
        if k.dim() != 3 or tuple(k.shape[1:]) != token_shape or v.shape != k.shape:
            raise ValueError(f"k and v must be (H, d_head) or (n, H, d_head) with (H, d_head) = "
                             f"{token_shape}; got {tuple(k.shape)} and {tuple(v.shape)}")
        n = k.shape[0]
        first = self.seen + max(n - self.window, 0)       # of a long block only the last W survive
        slots = (first + torch.arange(min(n, self.window))) % self.window
        self.k[slots] = k[n - len(slots):].to(self.dtype)  # distinct slots: no duplicate index
        self.v[slots] = v[n - len(slots):].to(self.dtype)
        self.seen += n

    def get(self):
        """(K, V), each (len, H, d_head): the last min(seen, W) tokens, oldest first."""
        n = len(self)
        order = (self.seen - n + torch.arange(n)) % self.window   # ring slots, oldest first
        return self.k[order], self.v[order]

    def __len__(self):
        return min(self.seen, self.window)


def _split_heads(x, w, num_heads):
    """(T, d_model) @ (d_model, d_model) -> (T, H, d_head): head h owns columns h*d_head:(h+1)*d_head."""
    return (x @ w).reshape(x.shape[0], num_heads, -1)


def _softmax(scores):
    """Softmax over the last dim, shifted by the row max so exp never overflows."""
    e = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)


def window_mask(T, S, window):
    """(T, S + T) bool, True = may NOT attend: query i sits at key index S + i (after S cached keys)
    and sees keys S + i - window + 1 .. S + i."""
    keys = torch.arange(S + T)[None, :]                   # (1, S + T)
    query = S + torch.arange(T)[:, None]                  # (T, 1)
    return (keys > query) | (keys <= query - window)


def _windowed_attention(x, w_q, w_k, w_v, w_o, cache, num_heads):
    """New tokens x (T, d_model) attend to the cached keys and to each other within the window, then
    their K/V are appended (the chunk may evict keys its own first tokens need: read them first)."""
    T, d_model = x.shape
    if d_model % num_heads:
        raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")
    dtype = reduce(torch.promote_types, (t.dtype for t in (x, w_q, w_k, w_v, w_o)), cache.dtype)
    x64, wq, wk, wv, wo = (t.to(torch.float32) for t in (x, w_q, w_k, w_v, w_o))
    q, k, v = (_split_heads(x64, w, num_heads) for w in (wq, wk, wv))              # (T, H, d_head)

    past_k, past_v = cache.get()                          # (S, H, d_head), S <= window
    S = past_k.shape[0]
    K = torch.cat([past_k, k.to(cache.dtype)]).to(torch.float32)   # (S + T, H, d_head), as cached
    V = torch.cat([past_v, v.to(cache.dtype)]).to(torch.float32)
    cache.append(k, v)

    scores = torch.einsum("thd,shd->hts", q, K) / math.sqrt(d_model // num_heads)  # (H, T, S + T)
    scores = scores.masked_fill(window_mask(T, S, cache.window), -math.inf)        # each query sees itself
    heads = torch.einsum("hts,shd->thd", _softmax(scores), V)                       # (T, H, d_head)
    return (heads.reshape(T, d_model) @ wo).to(dtype)     # concatenate heads, then W_o


def sliding_prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    """Sliding-window multi-head attention of a prompt x (T, d_model) that continues the cache; (T, d_model)."""
    return _windowed_attention(x, w_q, w_k, w_v, w_o, cache, num_heads)


def sliding_decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    """One new token x_new (d_model,) attends to the window - 1 cached tokens before it and itself; (d_model,)."""
    return _windowed_attention(x_new.unsqueeze(0), w_q, w_k, w_v, w_o, cache, num_heads)[0]
