"""Correct: heads folded into the batch dimension, (B*H, T, d_head) in batch-major order, scores by
torch.baddbmm with the scale as alpha, the mask expanded to (B, H, T, T) and flattened the same way;
masked scores filled with finfo.min and the weights of a row with no key left multiplied by 0. In the
inputs' promoted dtype (float32 arithmetic for float32 inputs)."""

import torch


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, mask=None):
    B, T, d_model = x.shape
    if num_heads < 1 or d_model % num_heads != 0:
        raise ValueError("num_heads must divide d_model")
    d_head = d_model // num_heads
    dtype = torch.promote_types(torch.promote_types(x.dtype, W_q.dtype),
                                torch.promote_types(torch.promote_types(W_k.dtype, W_v.dtype), W_o.dtype))
    x = x.to(dtype)

    def fold(W):                                                   # (B, T, d_model) -> (B*H, T, d_head)
        return (x @ W.to(dtype)).reshape(B, T, num_heads, d_head).permute(0, 2, 1, 3).reshape(B * num_heads, T, d_head)

    q, k, v = fold(W_q), fold(W_k), fold(W_v)
    zero = torch.zeros(B * num_heads, T, T, dtype=dtype)
    scores = torch.baddbmm(zero, q, k.transpose(1, 2), beta=0.0, alpha=d_head ** -0.5)   # (B*H, T, T)
    if mask is not None:
        hidden = mask.expand(B, num_heads, T, T).reshape(B * num_heads, T, T)           # batch-major, as q
        scores = scores.masked_fill(hidden, torch.finfo(dtype).min)
        alive = (~hidden).any(dim=-1, keepdim=True).to(dtype)                           # (B*H, T, 1)
    else:
        alive = torch.ones(B * num_heads, T, 1, dtype=dtype)
    e = torch.exp(scores - scores.max(dim=-1, keepdim=True).values)
    weights = e / e.sum(dim=-1, keepdim=True) * alive
    heads = torch.bmm(weights, v)                                                       # (B*H, T, d_head)
    concat = heads.reshape(B, num_heads, T, d_head).transpose(1, 2).reshape(B, T, d_model)
    return concat @ W_o.to(dtype)
