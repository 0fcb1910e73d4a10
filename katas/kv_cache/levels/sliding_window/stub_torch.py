import torch

class SlidingWindowCache:
    """The keys and values of the last `window` tokens (a ring buffer: O(window) memory), for every
    head, stored in `dtype` (float32 by default). window < 1: ValueError."""

    def __init__(self, window, num_heads, d_head, dtype=torch.float32):
        raise NotImplementedError

    def append(self, k, v):
        """Store one token, k and v each (H, d_head), or n tokens (n may exceed window), each
        (n, H, d_head); the oldest beyond the window are evicted. k and v of different shapes, or not
        (H, d_head) per token: ValueError, nothing stored."""
        raise NotImplementedError

    def get(self):
        """-> (K, V), each (min(appended, window), H, d_head): the last tokens, oldest first."""
        raise NotImplementedError

    def __len__(self):
        """The number of tokens stored: min(appended, window)."""
        raise NotImplementedError


def sliding_prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    """The kata's prefill with a window: token i of x (position p) attends to positions
    p - window + 1 .. p, cached or in x. Appends x's K/V (a chunk may be longer than the window, and
    may evict keys its own first tokens need). Returns (T, d_model), the kata's dtype rule."""
    raise NotImplementedError


def sliding_decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    """One new token x_new (d_model,): append it, attend to itself and the window - 1 tokens before
    it; -> (d_model,)."""
    raise NotImplementedError
