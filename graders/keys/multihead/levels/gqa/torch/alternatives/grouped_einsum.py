"""Alternative: query heads grouped as (B, G, H/G, T, d_head) against the unrepeated K/V heads, einsum in float64."""

import math

import torch


def grouped_query_attention(x, W_q, W_k, W_v, W_o, num_heads, num_kv_heads, mask=None):
    B, T, d_model = x.shape
    if d_model % num_heads or num_heads % num_kv_heads:
        raise ValueError("num_heads must divide d_model and num_kv_heads must divide num_heads")
    out_dtype = torch.promote_types(torch.promote_types(x.dtype, W_q.dtype),
                                    torch.promote_types(torch.promote_types(W_k.dtype, W_v.dtype), W_o.dtype))
    H, G = num_heads, num_kv_heads
    r, d_head = H // G, d_model // H
    x = x.double()
    q = (x @ W_q.double()).reshape(B, T, G, r, d_head)                      # (B, T, G, r, d_head)
    k = (x @ W_k.double()).reshape(B, T, G, d_head)                         # (B, T, G, d_head)
    v = (x @ W_v.double()).reshape(B, T, G, d_head)
    scores = torch.einsum("bigrd,bjgd->bgrij", q, k) / math.sqrt(d_head)   # (B, G, r, T, T)
    if mask is None:
        mask = torch.zeros(1, 1, 1, 1, dtype=torch.bool)
    mask = mask.expand(B, H, T, T).reshape(B, G, r, T, T)                   # query head g*r + j
    dead = mask.all(dim=-1, keepdim=True)
    scores = scores.masked_fill(mask | dead, -math.inf)
    m = scores.amax(dim=-1, keepdim=True).masked_fill(dead, 0.0)
    e = torch.exp(scores - m)
    weights = e / e.sum(dim=-1, keepdim=True).masked_fill(dead, 1.0)
    heads = torch.einsum("bgrij,bjgd->bigrd", weights, v)                   # (B, T, G, r, d_head)
    return (heads.reshape(B, T, d_model) @ W_o.double()).to(out_dtype)
