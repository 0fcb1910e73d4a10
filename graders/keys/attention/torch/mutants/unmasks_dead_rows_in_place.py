"""Mutant: `mask.masked_fill_(dead, False)` to keep the softmax finite: the caller's mask is modified in place."""

import math

import torch


def _float_dtype(*tensors):
    """The dtype the output keeps: the promoted dtype of the inputs, float64 if it is not floating."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype if dtype.is_floating_point else torch.float64


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, shifted by the max so exp never overflows.

    x: any shape. Returns the same shape, in x's floating dtype."""
    z = x.to(torch.float64)
    e = torch.exp(z - z.amax(dim=axis, keepdim=True))   # the largest entry gives exp(0) = 1
    return (e / e.sum(dim=axis, keepdim=True)).to(_float_dtype(x))


def self_attention(x, w_q, w_k, w_v, mask=None):
    """softmax(Q K^T / sqrt(d_k) + mask) V for one head.

    x: (B, T, d_model); w_q, w_k: (d_model, d_k); w_v: (d_model, d_v)
    mask: optional bool tensor broadcastable to (B, T, T); mask[b, i, j] True = query i may NOT
          attend to key j. A query with every key masked outputs zeros.
    Returns (B, T, d_v) in the promoted dtype of the inputs."""
    dtype = _float_dtype(x, w_q, w_k, w_v)
    x64 = x.to(torch.float64)
    q = x64 @ w_q.to(torch.float64)                      # (B, T, d_k)
    k = x64 @ w_k.to(torch.float64)                      # (B, T, d_k)
    v = x64 @ w_v.to(torch.float64)                      # (B, T, d_v)
    d_k = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)    # (B, T_query, T_key)

    if mask is None:
        weights = softmax(scores, axis=-1)               # (B, T, T), rows sum to 1
    else:
        all_masked = mask.all(dim=-1, keepdim=True)      # (..., T or 1, 1)
        mask.masked_fill_(all_masked, False)             # a dead row attends to everything, zeroed below
        mask = torch.broadcast_to(mask, scores.shape)    # (B, T, T), a view
        # Masked keys get -inf (weight exactly 0); a row with nothing left to attend to is given
        # finite scores so the softmax stays finite, and its weights are zeroed after.
        scores = scores.masked_fill(mask, -math.inf).masked_fill(all_masked, 0.0)
        weights = softmax(scores, axis=-1).masked_fill(all_masked, 0.0)

    return (weights @ v).to(dtype)                       # (B, T, d_v)
