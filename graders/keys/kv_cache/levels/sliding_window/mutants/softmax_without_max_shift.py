"""Mutant: softmax without subtracting the row max: exp overflows for scores in the thousands."""


import numpy as np


class SlidingWindowCache:
    """Keys and values of the last `window` tokens, per head, in a ring buffer of `window` slots."""

    def __init__(self, window, num_heads, d_head, dtype=np.float32):
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        self.window, self.num_heads, self.d_head = window, num_heads, d_head
        self.dtype = np.dtype(dtype)
        self.k = np.zeros((window, num_heads, d_head), dtype=self.dtype)   # (W, H, d_head)
        self.v = np.zeros((window, num_heads, d_head), dtype=self.dtype)   # (W, H, d_head)
        self.seen = 0                                                      # tokens appended so far

    def append(self, k, v):
        """Store one token ((H, d_head) each) or n tokens ((n, H, d_head) each), cast to the cache's
        dtype; the oldest tokens beyond the window are evicted. Bad shapes: ValueError, nothing stored."""
        k, v = np.asarray(k), np.asarray(v)
        if k.ndim == 2:                                   # one token: (H, d_head) -> (1, H, d_head)
            k, v = k[None], v[None]
        token_shape = (self.num_heads, self.d_head)
        if k.ndim != 3 or k.shape[1:] != token_shape or v.shape != k.shape:
            raise ValueError(f"k and v must be (H, d_head) or (n, H, d_head) with (H, d_head) = "
                             f"{token_shape}; got {k.shape} and {v.shape}")
        n = k.shape[0]
        first = self.seen + max(n - self.window, 0)       # of a long block only the last W survive
        slots = (first + np.arange(min(n, self.window))) % self.window
        self.k[slots] = k[n - len(slots):]                # the assignment casts to the cache dtype
        self.v[slots] = v[n - len(slots):]
        self.seen += n

    def get(self):
        """(K, V), each (len, H, d_head): the last min(seen, W) tokens, oldest first."""
        n = len(self)
        order = (self.seen - n + np.arange(n)) % self.window  # ring slots, oldest first
        return self.k[order], self.v[order]

    def __len__(self):
        return min(self.seen, self.window)


def _split_heads(x, w, num_heads):
    """(T, d_model) @ (d_model, d_model) -> (T, H, d_head): head h owns columns h*d_head:(h+1)*d_head."""
    return (x @ w).reshape(x.shape[0], num_heads, -1)


def _softmax(scores):
    """Softmax over the last axis, shifted by the row max so exp never overflows."""
    e = np.exp(scores)
    return e / e.sum(axis=-1, keepdims=True)


def window_mask(T, S, window):
    """(T, S + T) bool, True = may NOT attend: query i sits at key index S + i (after S cached keys)
    and sees keys S + i - window + 1 .. S + i."""
    keys = np.arange(S + T)[None, :]                      # (1, S + T)
    query = S + np.arange(T)[:, None]                     # (T, 1)
    return (keys > query) | (keys <= query - window)


def _windowed_attention(x, w_q, w_k, w_v, w_o, cache, num_heads):
    """New tokens x (T, d_model) attend to the cached keys and to each other within the window, then
    their K/V are appended (the chunk may evict keys its own first tokens need: read them first)."""
    T, d_model = x.shape
    if d_model % num_heads:
        raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")
    dtype = np.result_type(x, w_q, w_k, w_v, w_o, cache.dtype)
    x64 = np.asarray(x, dtype=np.float64)
    q, k, v = (_split_heads(x64, np.asarray(w, dtype=np.float64), num_heads) for w in (w_q, w_k, w_v))

    past_k, past_v = cache.get()                          # (S, H, d_head), S <= window
    S = len(past_k)
    K = np.concatenate([past_k, k.astype(cache.dtype)]).astype(np.float64)   # (S + T, H, d_head), as cached
    V = np.concatenate([past_v, v.astype(cache.dtype)]).astype(np.float64)
    cache.append(k, v)

    scores = np.einsum("thd,shd->hts", q, K) / np.sqrt(d_model // num_heads)   # (H, T, S + T)
    scores = np.where(window_mask(T, S, cache.window), -np.inf, scores)  # each query sees itself: no all -inf row
    heads = np.einsum("hts,shd->thd", _softmax(scores), V)                     # (T, H, d_head)
    out = heads.reshape(T, d_model) @ np.asarray(w_o, dtype=np.float64)        # concatenate heads, then W_o
    return out.astype(dtype, copy=False)


def sliding_prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    """Sliding-window multi-head attention of a prompt x (T, d_model) that continues the cache; (T, d_model)."""
    return _windowed_attention(np.asarray(x), w_q, w_k, w_v, w_o, cache, num_heads)


def sliding_decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    """One new token x_new (d_model,) attends to the window - 1 cached tokens before it and itself; (d_model,)."""
    return _windowed_attention(np.asarray(x_new)[None, :], w_q, w_k, w_v, w_o, cache, num_heads)[0]
