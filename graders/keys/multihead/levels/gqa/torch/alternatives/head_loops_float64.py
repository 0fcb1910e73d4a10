"""Alternative: a Python loop over query heads in float64, head h slicing KV head h // (H // G)."""

import math

import torch


def grouped_query_attention(x, W_q, W_k, W_v, W_o, num_heads, num_kv_heads, mask=None):
    B, T, d_model = x.shape
    if d_model % num_heads != 0:
        raise ValueError("num_heads must divide d_model")
    if num_heads % num_kv_heads != 0:
        raise ValueError("num_kv_heads must divide num_heads")
    out_dtype = x.dtype
    for W in (W_q, W_k, W_v, W_o):
        out_dtype = torch.promote_types(out_dtype, W.dtype)
    d_head = d_model // num_heads
    group = num_heads // num_kv_heads
    masks = torch.zeros(T, T, dtype=torch.bool) if mask is None else mask
    masks = masks.expand(B, num_heads, T, T)
    x = x.double()
    Q, K, V = x @ W_q.double(), x @ W_k.double(), x @ W_v.double()
    concat = torch.zeros(B, T, d_model, dtype=torch.float64)
    for h in range(num_heads):
        g = h // group
        q = Q[..., h * d_head:(h + 1) * d_head]                             # (B, T, d_head)
        k = K[..., g * d_head:(g + 1) * d_head]
        v = V[..., g * d_head:(g + 1) * d_head]
        scores = (q @ k.transpose(1, 2) / math.sqrt(d_head)).masked_fill(masks[:, h], -math.inf)
        keep = ~masks[:, h].all(dim=-1, keepdim=True)                       # (B, T, 1)
        scores = torch.where(keep, scores, torch.zeros_like(scores))
        e = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
        concat[..., h * d_head:(h + 1) * d_head] = (e / e.sum(dim=-1, keepdim=True) * keep) @ v
    return (concat @ W_o.double()).to(out_dtype)
