import torch


def softmax(x, axis=-1):
    """Numerically stable softmax of `x` along dimension `axis` (named as in the NumPy version).

    x: torch.Tensor of any shape, on the CPU. Returns a tensor of the same shape and float dtype
    (float32 in, float32 out) whose entries along `axis` are >= 0 and sum to 1. Must not overflow
    for logits of magnitude 1e4 (float64) or 100 (float32). x is not modified (no in-place op on it).
    Not allowed: torch.softmax, F.softmax, x.softmax(...), torch.logsumexp and the like (see the prompt).
    """
    raise NotImplementedError


def self_attention(x, w_q, w_k, w_v, mask=None):
    """Single-head scaled dot-product self-attention.

    x:    (B, T, d_model) float tensor
    w_q:  (d_model, d_k)    queries Q = x @ w_q, (B, T, d_k)
    w_k:  (d_model, d_k)    keys    K = x @ w_k, (B, T, d_k)
    w_v:  (d_model, d_v)    values  V = x @ w_v, (B, T, d_v); d_v may differ from d_k
    mask: None, or a bool tensor broadcastable to (B, T, T): (T, T) causal, (B, 1, T) padding,
          or (B, T, T). mask[b, i, j] True = query i may NOT attend to key j.

    Returns (B, T, d_v): softmax over keys of Q K^T / sqrt(d_k), masked keys excluded, times V.
    A query row whose keys are all masked outputs zeros (no NaN).
    The output's dtype is the promoted dtype of x and the weights (torch.promote_types: float32 in,
    float32 out; float32 mixed with float64 gives float64; torch's @ does not mix dtypes by itself).
    The inputs are not modified. F.scaled_dot_product_attention and nn.MultiheadAttention are not allowed.
    """
    raise NotImplementedError
