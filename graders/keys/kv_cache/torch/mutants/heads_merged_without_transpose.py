"""Mutant: Heads merged with `.reshape(T, d_model)` on (H, T, d_head), without the transpose back to (T, H, d_head)."""

import math
from functools import reduce

import torch


def causal_mask(T):
    """(T, T) bool, True strictly above the diagonal: query i may not attend to keys j > i."""
    return torch.ones(T, T, dtype=torch.bool).triu(diagonal=1)


class KVCache:
    """Keys and values of the tokens seen so far, per head, in a buffer of max_len tokens."""

    def __init__(self, max_len, num_heads, d_head, dtype=torch.float32):
        self.max_len, self.num_heads, self.d_head, self.dtype = max_len, num_heads, d_head, dtype
        self.k = torch.zeros(max_len, num_heads, d_head, dtype=dtype)   # (max_len, H, d_head)
        self.v = torch.zeros(max_len, num_heads, d_head, dtype=dtype)   # (max_len, H, d_head)
        self.length = 0                                                 # tokens stored so far

    def append(self, k, v):
        """Store one token ((H, d_head) each) or n tokens ((n, H, d_head) each), cast to the cache's
        dtype. Past max_len: ValueError, and nothing is stored."""
        if k.dim() == 2:                                  # one token: (H, d_head) -> (1, H, d_head)
            k, v = k.unsqueeze(0), v.unsqueeze(0)
        token_shape = (self.num_heads, self.d_head)
        if k.dim() != 3 or tuple(k.shape[1:]) != token_shape or v.shape != k.shape:
            raise ValueError(f"k and v must be (H, d_head) or (n, H, d_head) with (H, d_head) = "
                             f"{token_shape}; got {tuple(k.shape)} and {tuple(v.shape)}")
        n = k.shape[0]
        if self.length + n > self.max_len:                # check before writing anything
            raise ValueError(f"cannot append {n} token(s) to a cache holding {self.length} of {self.max_len}")
        self.k[self.length:self.length + n] = k           # the copy casts to the cache's dtype
        self.v[self.length:self.length + n] = v
        self.length += n

    def get(self):
        """(K, V), each (len, H, d_head): views of what was appended, not the whole buffer."""
        return self.k[:self.length], self.v[:self.length]

    def __len__(self):
        return self.length


def _split_heads(x, w, num_heads):
    """(T, d_model) @ (d_model, d_model) -> (T, H, d_head): head h owns columns h*d_head:(h+1)*d_head."""
    return (x @ w).reshape(x.shape[0], num_heads, -1)


def _softmax(scores):
    """Softmax over the last dim, shifted by the row max so exp never overflows."""
    e = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)


def _cached_attention(x, w_q, w_k, w_v, w_o, cache, num_heads):
    """Append the K/V of the new tokens x (T, d_model), then let new token i (global position
    past + i) attend to every cached key up to and including itself. Returns (T, d_model)."""
    T, d_model = x.shape
    if d_model % num_heads:
        raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")
    dtype = reduce(torch.promote_types, (t.dtype for t in (x, w_q, w_k, w_v, w_o)), cache.dtype)
    x64, wq, wk, wv, wo = (t.to(torch.float64) for t in (x, w_q, w_k, w_v, w_o))   # float64 (no copy if already)
    q, k, v = (_split_heads(x64, w, num_heads) for w in (wq, wk, wv))              # (T, H, d_head)

    past = len(cache)
    cache.append(k, v)                                    # raises on overflow before storing anything
    K, V = (a.to(torch.float64) for a in cache.get())    # (past + T, H, d_head)

    d_head = d_model // num_heads
    scores = torch.einsum("thd,shd->hts", q, K) / math.sqrt(d_head)                 # (H, T, past + T)
    future = torch.arange(past + T)[None, :] > past + torch.arange(T)[:, None]     # (T, past + T) True = may not attend
    scores = scores.masked_fill(future, -math.inf)        # every query sees at least itself: no all -inf row
    heads = torch.einsum("hts,shd->htd", _softmax(scores), V)                       # (H, T, d_head)
    out = heads.reshape(T, d_model) @ wo                  # concatenate heads, then W_o
    return out.to(dtype)


def prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    """Causal multi-head attention of a prompt x (T, d_model) that continues the cache; (T, d_model)."""
    return _cached_attention(x, w_q, w_k, w_v, w_o, cache, num_heads)


def decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    """One new token x_new (d_model,) attends to the cache and itself: O(len(cache)) work; (d_model,)."""
    return _cached_attention(x_new.unsqueeze(0), w_q, w_k, w_v, w_o, cache, num_heads)[0]
