"""Correct: FlashAttention's online softmax in the inputs' promoted dtype (float32 arithmetic for float32
inputs), keys streamed in blocks of 2 with a running max, a running sum and an unnormalised output
rescaled as the max grows; the 1/sqrt(d_k) scale folded into Q; a query that never saw a visible key
keeps a zero sum and outputs zeros."""

import math

import torch

BLOCK = 2


def softmax(x, axis=-1):
    z = x.to(torch.float64)
    e = (z - z.amax(dim=axis, keepdim=True)).exp()
    return (e / e.sum(dim=axis, keepdim=True)).to(x.dtype)


def self_attention(x, w_q, w_k, w_v, mask=None):
    dtype = torch.result_type(x, w_q)
    for w in (w_k, w_v):
        dtype = torch.promote_types(dtype, w.dtype)
    x = x.to(dtype)
    q = (x @ w_q.to(dtype)) * (1.0 / math.sqrt(w_q.shape[-1]))              # (B, T, d_k), scaled
    k = x @ w_k.to(dtype)                                                    # (B, T, d_k)
    v = x @ w_v.to(dtype)                                                    # (B, T, d_v)
    B, T, d_v = v.shape
    hidden = torch.zeros(B, T, T, dtype=torch.bool) if mask is None else torch.broadcast_to(mask, (B, T, T))

    running_max = torch.full((B, T, 1), -math.inf, dtype=dtype)
    running_sum = torch.zeros(B, T, 1, dtype=dtype)
    acc = torch.zeros(B, T, d_v, dtype=dtype)
    for start in range(0, T, BLOCK):
        keys = slice(start, start + BLOCK)
        s = q @ k[:, keys].transpose(1, 2)                                   # (B, T, block)
        s = s.masked_fill(hidden[:, :, keys], -math.inf)
        new_max = torch.maximum(running_max, s.amax(dim=-1, keepdim=True))
        safe_max = torch.where(torch.isinf(new_max), torch.zeros_like(new_max), new_max)
        p = torch.exp(s - safe_max)                                          # masked keys: exactly 0
        rescale = torch.exp(running_max - safe_max)                          # -inf running max: 0
        running_sum = running_sum * rescale + p.sum(dim=-1, keepdim=True)
        acc = acc * rescale + p @ v[:, keys]
        running_max = new_max
    return torch.where(running_sum > 0, acc / running_sum, torch.zeros_like(acc))
