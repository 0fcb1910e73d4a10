"""Alternative: K/V expanded with a broadcast view (B, G, 1, T, d) -> (B, H, T, d), arithmetic in the promoted input dtype."""

import math

import torch


def grouped_query_attention(x, W_q, W_k, W_v, W_o, num_heads, num_kv_heads, mask=None):
    B, T, d_model = x.shape
    if d_model % num_heads != 0 or num_heads % num_kv_heads != 0:
        raise ValueError("num_heads must divide d_model and num_kv_heads must divide num_heads")
    dtype = x.dtype
    for W in (W_q, W_k, W_v, W_o):
        dtype = torch.promote_types(dtype, W.dtype)
    x, W_q, W_k, W_v, W_o = (t.to(dtype) for t in (x, W_q, W_k, W_v, W_o))
    H, G, d_head = num_heads, num_kv_heads, d_model // num_heads

    q = (x @ W_q).view(B, T, H, d_head).transpose(1, 2)                     # (B, H, T, d_head)
    k = (x @ W_k).view(B, T, G, 1, d_head).permute(0, 2, 3, 1, 4)           # (B, G, 1, T, d_head)
    v = (x @ W_v).view(B, T, G, 1, d_head).permute(0, 2, 3, 1, 4)
    k = k.expand(B, G, H // G, T, d_head).reshape(B, H, T, d_head)          # heads g, g, ..., g+1
    v = v.expand(B, G, H // G, T, d_head).reshape(B, H, T, d_head)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)                    # (B, H, T, T)
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    m = scores.amax(dim=-1, keepdim=True)
    m = torch.where(torch.isinf(m), torch.zeros_like(m), m)                # dead rows: shift by 0
    e = torch.exp(scores - m)
    s = e.sum(dim=-1, keepdim=True)
    weights = e / torch.where(s == 0, torch.ones_like(s), s)                # dead rows: 0 / 1
    return (weights @ v).transpose(1, 2).reshape(B, T, d_model) @ W_o
