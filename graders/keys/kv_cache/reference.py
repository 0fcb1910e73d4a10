"""Reference solution of the `kv_cache` kata: a causal mask, a preallocated KV cache, and cached
multi-head attention (prefill a prompt, possibly in chunks, then decode one token at a time).

Computes in float64 and returns np.result_type of x, the weights and the cache's dtype.
Mask convention: True = may NOT attend. The past is read only from the cache (its K and V).
"""

import numpy as np


def causal_mask(T):
    """(T, T) bool, True strictly above the diagonal: query i may not attend to keys j > i."""
    return np.triu(np.ones((T, T), dtype=bool), k=1)


class KVCache:
    """Keys and values of the tokens seen so far, per head, in a buffer of max_len tokens."""

    def __init__(self, max_len, num_heads, d_head, dtype=np.float32):
        self.max_len, self.num_heads, self.d_head = max_len, num_heads, d_head
        self.dtype = np.dtype(dtype)
        self.k = np.zeros((max_len, num_heads, d_head), dtype=self.dtype)   # (max_len, H, d_head)
        self.v = np.zeros((max_len, num_heads, d_head), dtype=self.dtype)   # (max_len, H, d_head)
        self.length = 0                                                     # tokens stored so far

    def append(self, k, v):
        """Store one token ((H, d_head) each) or n tokens ((n, H, d_head) each), cast to the cache's
        dtype. Past max_len: ValueError, and nothing is stored."""
        k, v = np.asarray(k), np.asarray(v)
        if k.ndim == 2:                                   # one token: (H, d_head) -> (1, H, d_head)
            k, v = k[None], v[None]
        token_shape = (self.num_heads, self.d_head)
        if k.ndim != 3 or k.shape[1:] != token_shape or v.shape != k.shape:
            raise ValueError(f"k and v must be (H, d_head) or (n, H, d_head) with (H, d_head) = "
                             f"{token_shape}; got {k.shape} and {v.shape}")
        n = k.shape[0]
        if self.length + n > self.max_len:                # check before writing anything
            raise ValueError(f"cannot append {n} token(s) to a cache holding {self.length} of {self.max_len}")
        self.k[self.length:self.length + n] = k           # the assignment casts to the cache dtype
        self.v[self.length:self.length + n] = v
        self.length += n

    def get(self):
        """(K, V), each (len, H, d_head): views of what was appended, not the whole buffer."""
        return self.k[:self.length], self.v[:self.length]

    def __len__(self):
        return self.length


def _split_heads(x, w, num_heads):
    """(T, d_model) @ (d_model, d_model) -> (T, H, d_head): head h owns columns h*d_head:(h+1)*d_head."""
    T = x.shape[0]
    return (x @ w).reshape(T, num_heads, -1)


def _softmax(scores):
    """Softmax over the last axis, shifted by the row max so exp never overflows."""
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _cached_attention(x, w_q, w_k, w_v, w_o, cache, num_heads):
    """Append the K/V of the new tokens x (T, d_model), then let new token i (global position
    past + i) attend to every cached key up to and including itself. Returns (T, d_model)."""
    T, d_model = x.shape
    if d_model % num_heads:
        raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")
    dtype = np.result_type(x, w_q, w_k, w_v, w_o, cache.dtype)
    x64 = np.asarray(x, dtype=np.float64)
    q, k, v = (_split_heads(x64, np.asarray(w, dtype=np.float64), num_heads) for w in (w_q, w_k, w_v))

    past = len(cache)
    cache.append(k, v)                                    # raises on overflow before storing anything
    K, V = (np.asarray(a, dtype=np.float64) for a in cache.get())        # (past + T, H, d_head)

    d_head = d_model // num_heads
    scores = np.einsum("thd,shd->hts", q, K) / np.sqrt(d_head)          # (H, T, past + T)
    future = np.arange(past + T)[None, :] > past + np.arange(T)[:, None]  # (T, past + T) True = may not attend
    scores = np.where(future, -np.inf, scores)            # every query sees at least itself: no all -inf row
    heads = np.einsum("hts,shd->thd", _softmax(scores), V)               # (T, H, d_head)
    out = heads.reshape(T, d_model) @ np.asarray(w_o, dtype=np.float64)  # concatenate heads, then W_o
    return out.astype(dtype, copy=False)


def prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    """Causal multi-head attention of a prompt x (T, d_model) that continues the cache; (T, d_model)."""
    return _cached_attention(np.asarray(x), w_q, w_k, w_v, w_o, cache, num_heads)


def decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    """One new token x_new (d_model,) attends to the cache and itself: O(len(cache)) work; (d_model,)."""
    return _cached_attention(np.asarray(x_new)[None, :], w_q, w_k, w_v, w_o, cache, num_heads)[0]
