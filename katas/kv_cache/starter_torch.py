import torch


def causal_mask(T):
    """(T, T) bool tensor, True strictly above the diagonal: mask[i, j] True = query i may NOT
    attend to key j (j > i). causal_mask(1) is tensor([[False]])."""
    raise NotImplementedError


class KVCache:
    """The keys and values of the tokens seen so far, for every head, up to max_len tokens,
    stored in `dtype` (torch.float32 by default): k/v given in another dtype are cast to it."""

    def __init__(self, max_len, num_heads, d_head, dtype=torch.float32):
        raise NotImplementedError

    def append(self, k, v):
        """Store one token, k and v each (H, d_head) tensors, or n tokens, k and v each (n, H, d_head).
        If the cache would hold more than max_len tokens: raise ValueError and store nothing.
        k and v are not modified."""
        raise NotImplementedError

    def get(self):
        """-> (K, V), each a (len, H, d_head) tensor in the cache's dtype: only what was appended, in
        order (a new cache gives two (0, H, d_head) tensors)."""
        raise NotImplementedError

    def __len__(self):
        """The number of tokens stored."""
        raise NotImplementedError


def prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    """Causal multi-head self-attention of a prompt x (T, d_model) that continues the cache.

    w_q, w_k, w_v, w_o: (d_model, d_model) tensors; head h uses columns h*d_head:(h+1)*d_head of
    x @ w_q, x @ w_k, x @ w_v (d_head = d_model // num_heads); scores scaled by 1/sqrt(d_head); the
    heads' outputs are concatenated, then multiplied by w_o.
    Appends the T tokens' keys and values to the cache; token i (position len(cache) + i) attends
    to every token already cached and to tokens 0..i of x. The past is read only from the cache.
    If the T tokens do not fit: ValueError, and the cache is left as it was.
    Returns a (T, d_model) tensor whose dtype is the promotion of the dtypes of x, w_q, w_k, w_v, w_o
    and the cache's dtype (all float32: float32; any float64: float64).
    The inputs are not modified (no in-place op on them).
    """
    raise NotImplementedError


def decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    """One new token x_new (d_model,): append its key and value, attend to the whole cache
    (itself included) and return its output, a (d_model,) tensor. O(len(cache)) work: no (T, T)
    tensor, no recomputing the past. A full cache: ValueError, left as it was. Same dtype rule as
    prefill.
    """
    raise NotImplementedError
