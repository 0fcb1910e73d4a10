"""Correct: a Python loop over heads on column slices (torch.chunk), float64 inside, each head a
single-head attention with the masked keys dropped row by row, and W_o applied as the sum over heads
of head_h @ W_o[h*d_head:(h+1)*d_head] (no concatenation)."""

import math

import torch


def _softmax(z):
    e = torch.exp(z - torch.max(z, dim=-1, keepdim=True).values)
    return e / torch.sum(e, dim=-1, keepdim=True)


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, mask=None):
    B, T, d_model = x.shape
    if num_heads < 1 or d_model % num_heads != 0:
        raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")
    out_dtype = torch.result_type(x, W_q)
    for W in (W_k, W_v, W_o):
        out_dtype = torch.promote_types(out_dtype, W.dtype)
    d_head = d_model // num_heads
    xd = x.double()
    hidden = torch.zeros(B, num_heads, T, T, dtype=torch.bool) if mask is None else mask.expand(B, num_heads, T, T)
    out = torch.zeros(B, T, d_model, dtype=torch.float64)
    heads = zip(W_q.double().chunk(num_heads, dim=1), W_k.double().chunk(num_heads, dim=1),
                W_v.double().chunk(num_heads, dim=1), W_o.double().chunk(num_heads, dim=0))
    for h, (wq, wk, wv, wo) in enumerate(heads):
        q, k, v = xd @ wq, xd @ wk, xd @ wv                                   # (B, T, d_head)
        head = torch.zeros(B, T, d_head, dtype=torch.float64)
        for b in range(B):
            for i in range(T):
                visible = ~hidden[b, h, i]
                if visible.any():
                    p = _softmax(k[b, visible] @ q[b, i] / math.sqrt(d_head))  # (n_visible,)
                    head[b, i] = p @ v[b, visible]
        out += head @ wo                                                     # this head's share of W_o
    return out.to(out_dtype)
