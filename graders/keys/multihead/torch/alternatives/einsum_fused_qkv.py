"""Correct: one fused QKV projection (the three weights concatenated), einsum throughout in the inputs'
promoted dtype (float32 arithmetic for float32 inputs), heads split with unflatten, masked scores -inf
through torch.where, and the NaN of a head with no key left turned into zeros with torch.nan_to_num
before W_o."""

import math

import torch


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, mask=None):
    d_model = x.shape[-1]
    if num_heads <= 0 or d_model % num_heads:
        raise ValueError("num_heads must divide d_model")
    dtype = x.dtype
    for W in (W_q, W_k, W_v, W_o):
        dtype = torch.promote_types(dtype, W.dtype)
    x = x.to(dtype)
    W_qkv = torch.cat([W_q, W_k, W_v], dim=1).to(dtype)                      # (d_model, 3 d_model)
    qkv = torch.einsum("btd,de->bte", x, W_qkv)                                # (B, T, 3 d_model)
    q, k, v = (t.unflatten(-1, (num_heads, -1)) for t in qkv.split(d_model, dim=-1))  # (B, T, H, d_head)
    scores = torch.einsum("bihd,bjhd->bhij", q, k) / math.sqrt(d_model // num_heads)  # (B, H, T, T)
    if mask is not None:
        scores = torch.where(mask, torch.tensor(-math.inf, dtype=dtype), scores)
    m = scores.amax(dim=-1, keepdim=True)
    e = torch.exp(scores - m)                                                  # a dead row: NaN
    weights = torch.nan_to_num(e / e.sum(dim=-1, keepdim=True), nan=0.0)
    heads = torch.einsum("bhij,bjhd->bihd", weights, v)                        # (B, T, H, d_head)
    return torch.einsum("btm,mo->bto", heads.flatten(2), W_o.to(dtype))
