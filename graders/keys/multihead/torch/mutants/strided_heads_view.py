"""Mutant: Heads split with `t.view(B, T, d_head, H).permute(0, 3, 1, 2)`: head h takes the strided columns h::H."""

import math

import torch


def _float_dtype(*tensors):
    """The dtype the output keeps: the promoted dtype of the inputs, float64 if it is not floating."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype if dtype.is_floating_point else torch.float64


def split_heads(t, num_heads):
    """(B, T, d_model) -> (B, H, T, d_head): head h holds columns h*d_head:(h+1)*d_head."""
    B, T, d_model = t.shape
    return t.view(B, T, d_model // num_heads, num_heads).permute(0, 3, 1, 2)


def merge_heads(t):
    """(B, H, T, d_head) -> (B, T, H*d_head): the inverse of split_heads (head h back in its columns)."""
    B, H, T, d_head = t.shape
    return t.transpose(1, 2).reshape(B, T, H * d_head)


def masked_softmax(scores, mask):
    """Softmax over the last dimension (keys) with masked keys excluded; a row whose keys are all
    masked gets weights 0. scores (..., T_query, T_key); mask None or broadcastable to scores."""
    if mask is None:
        mask = torch.zeros_like(scores, dtype=torch.bool)
    mask = torch.broadcast_to(mask, scores.shape)                 # a view, never written
    all_masked = mask.all(dim=-1, keepdim=True)                   # (..., T_query, 1)
    # Masked keys get -inf (weight exactly 0); a row with nothing left to attend to gets finite
    # scores so exp never sees -inf - (-inf), and its weights are zeroed after.
    scores = scores.masked_fill(mask, -math.inf).masked_fill(all_masked, 0.0)
    e = torch.exp(scores - scores.amax(dim=-1, keepdim=True))    # the row max becomes exp(0) = 1
    return (e / e.sum(dim=-1, keepdim=True)).masked_fill(all_masked, 0.0)


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, mask=None):
    """concat_h(softmax(Q_h K_h^T / sqrt(d_head) + mask) V_h) @ W_o.

    x: (B, T, d_model); W_q, W_k, W_v, W_o: (d_model, d_model); num_heads divides d_model.
    mask: optional bool tensor broadcastable to (B, H, T, T), True = may NOT attend.
    Returns (B, T, d_model) in the promoted dtype of the inputs."""
    d_model = x.shape[-1]
    if num_heads < 1 or d_model % num_heads != 0:
        raise ValueError(f"num_heads={num_heads} must be a positive divisor of d_model={d_model}")
    dtype = _float_dtype(x, W_q, W_k, W_v, W_o)
    x64 = x.to(torch.float64)
    W_q, W_k, W_v, W_o = (W.to(torch.float64) for W in (W_q, W_k, W_v, W_o))

    q = split_heads(x64 @ W_q, num_heads)                        # (B, H, T, d_head)
    k = split_heads(x64 @ W_k, num_heads)                        # (B, H, T, d_head)
    v = split_heads(x64 @ W_v, num_heads)                        # (B, H, T, d_head)
    d_head = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)         # (B, H, T_query, T_key)
    weights = masked_softmax(scores, mask)                       # (B, H, T, T), dead rows 0
    heads = weights @ v                                          # (B, H, T, d_head)
    return (merge_heads(heads) @ W_o).to(dtype)                  # (B, T, d_model): W_o once
