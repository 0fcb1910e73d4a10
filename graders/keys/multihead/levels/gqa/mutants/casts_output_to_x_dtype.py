"""Mutant: returns x's dtype, not the result type of x and the weights (float32 x with float64 weights gives float32)."""

import numpy as np


def _float_dtype(*arrays):
    """The dtype the output keeps: the result type of the inputs, float64 if none is floating."""
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def split_heads(t, num_heads):
    """(B, T, n*d_head) -> (B, n, T, d_head): head h holds columns h*d_head:(h+1)*d_head."""
    B, T, width = t.shape
    return t.reshape(B, T, num_heads, width // num_heads).transpose(0, 2, 1, 3)


def merge_heads(t):
    """(B, H, T, d_head) -> (B, T, H*d_head): the inverse of split_heads (head h back in its columns)."""
    B, H, T, d_head = t.shape
    return t.transpose(0, 2, 1, 3).reshape(B, T, H * d_head)


def masked_softmax(scores, mask):
    """Softmax over the last axis (keys) with masked keys excluded; a row whose keys are all
    masked gets weights 0. scores (..., T_query, T_key); mask None or broadcastable to scores."""
    if mask is None:
        mask = np.zeros(scores.shape, dtype=bool)
    mask = np.broadcast_to(np.asarray(mask, dtype=bool), scores.shape)
    all_masked = mask.all(axis=-1, keepdims=True)                 # (..., T_query, 1)
    scores = np.where(mask, -np.inf, scores)
    scores = np.where(all_masked, 0.0, scores)                    # no exp(-inf - (-inf))
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return np.where(all_masked, 0.0, weights)


def grouped_query_attention(x, W_q, W_k, W_v, W_o, num_heads, num_kv_heads, mask=None):
    """concat_h(softmax(Q_h K_g^T / sqrt(d_head) + mask) V_g) @ W_o with g = h // (H // G).

    x: (B, T, d_model); W_q, W_o: (d_model, d_model); W_k, W_v: (d_model, G*d_head) with
    d_head = d_model // H. mask: optional bool array broadcastable to (B, H, T, T), True = may NOT
    attend. Returns (B, T, d_model) in np.result_type of the inputs."""
    d_model = x.shape[-1]
    if num_heads < 1 or d_model % num_heads != 0:
        raise ValueError(f"num_heads={num_heads} must be a positive divisor of d_model={d_model}")
    if num_kv_heads < 1 or num_heads % num_kv_heads != 0:
        raise ValueError(f"num_kv_heads={num_kv_heads} must be a positive divisor of num_heads={num_heads}")
    dtype = _float_dtype(x, W_q, W_k, W_v, W_o)
    x64 = np.asarray(x, dtype=np.float64)
    W_q, W_k, W_v, W_o = (np.asarray(W, dtype=np.float64) for W in (W_q, W_k, W_v, W_o))

    group = num_heads // num_kv_heads                              # query heads per KV head
    q = split_heads(x64 @ W_q, num_heads)                          # (B, H, T, d_head)
    k = split_heads(x64 @ W_k, num_kv_heads).repeat(group, axis=1)  # (B, G, T, d_head) -> (B, H, T, d_head)
    v = split_heads(x64 @ W_v, num_kv_heads).repeat(group, axis=1)  # (B, H, T, d_head), heads g, g, ..., g+1
    d_head = q.shape[-1]
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(d_head)              # (B, H, T_query, T_key)
    weights = masked_softmax(scores, mask)                         # (B, H, T, T), dead rows 0
    out = merge_heads(weights @ v) @ W_o                           # (B, T, d_model): W_o once
    return out.astype(x.dtype, copy=False)
