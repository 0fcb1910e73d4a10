"""Mutant: Tensor.repeat(1, H // G, 1, 1) tiles the KV heads (g, g+1, ..., g, g+1): query head h reads KV head h % G; repeat_interleave was meant."""

import math

import torch


def _float_dtype(*tensors):
    """The dtype the output keeps: the promoted dtype of the inputs, float64 if it is not floating."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype if dtype.is_floating_point else torch.float64


def split_heads(t, num_heads):
    """(B, T, n*d_head) -> (B, n, T, d_head): head h holds columns h*d_head:(h+1)*d_head."""
    B, T, width = t.shape
    return t.view(B, T, num_heads, width // num_heads).transpose(1, 2)


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
    scores = scores.masked_fill(mask, -math.inf).masked_fill(all_masked, 0.0)
    e = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    return (e / e.sum(dim=-1, keepdim=True)).masked_fill(all_masked, 0.0)


def grouped_query_attention(x, W_q, W_k, W_v, W_o, num_heads, num_kv_heads, mask=None):
    """concat_h(softmax(Q_h K_g^T / sqrt(d_head) + mask) V_g) @ W_o with g = h // (H // G).

    x: (B, T, d_model); W_q, W_o: (d_model, d_model); W_k, W_v: (d_model, G*d_head) with
    d_head = d_model // H. mask: optional bool tensor broadcastable to (B, H, T, T), True = may NOT
    attend. Returns (B, T, d_model) in the promoted dtype of the inputs."""
    d_model = x.shape[-1]
    if num_heads < 1 or d_model % num_heads != 0:
        raise ValueError(f"num_heads={num_heads} must be a positive divisor of d_model={d_model}")
    if num_kv_heads < 1 or num_heads % num_kv_heads != 0:
        raise ValueError(f"num_kv_heads={num_kv_heads} must be a positive divisor of num_heads={num_heads}")
    dtype = _float_dtype(x, W_q, W_k, W_v, W_o)
    x64 = x.to(torch.float64)
    W_q, W_k, W_v, W_o = (W.to(torch.float64) for W in (W_q, W_k, W_v, W_o))

    group = num_heads // num_kv_heads                              # query heads per KV head
    q = split_heads(x64 @ W_q, num_heads)                          # (B, H, T, d_head)
    k = split_heads(x64 @ W_k, num_kv_heads).repeat(1, group, 1, 1)  # (B, G, T, d_head) -> (B, H, T, d_head)
    v = split_heads(x64 @ W_v, num_kv_heads).repeat(1, group, 1, 1)  # (B, H, T, d_head), heads g, g, ..., g+1
    d_head = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)           # (B, H, T_query, T_key)
    weights = masked_softmax(scores, mask)                         # (B, H, T, T), dead rows 0
    return (merge_heads(weights @ v) @ W_o).to(dtype)              # (B, T, d_model): W_o once
