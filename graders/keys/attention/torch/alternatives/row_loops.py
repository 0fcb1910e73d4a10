"""Correct: explicit Python loops over the batch and the queries, float64 inside; the masked keys of
each query are dropped by boolean indexing before its softmax, and a query with no key left gets zeros."""

import math

import torch


def softmax(x, axis=-1):
    z = x.double()
    m = torch.max(z, dim=axis, keepdim=True).values
    e = torch.exp(z - m)
    return (e / torch.sum(e, dim=axis, keepdim=True)).to(x.dtype)


def self_attention(x, w_q, w_k, w_v, mask=None):
    out_dtype = x.dtype
    for w in (w_q, w_k, w_v):
        out_dtype = torch.promote_types(out_dtype, w.dtype)
    B, T, _ = x.shape
    q = x.double() @ w_q.double()
    k = x.double() @ w_k.double()
    v = x.double() @ w_v.double()
    d_k = q.shape[-1]
    full_mask = torch.zeros(B, T, T, dtype=torch.bool) if mask is None else mask.expand(B, T, T)
    out = torch.zeros(B, T, v.shape[-1], dtype=torch.float64)
    for b in range(B):
        for i in range(T):
            visible = ~full_mask[b, i]                        # (T,) keys query i may see
            if not bool(visible.any()):
                continue                                      # nothing to attend to: zeros
            scores = k[b][visible] @ q[b, i] / math.sqrt(d_k)  # (n_visible,)
            out[b, i] = softmax(scores) @ v[b][visible]
    return out.to(out_dtype)
