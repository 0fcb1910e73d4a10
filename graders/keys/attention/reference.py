"""Reference solution of the `attention` kata: stable softmax and single-head self-attention.

Computes in float64 and returns the inputs' floating dtype (np.result_type of the float inputs).
Mask convention: True = may NOT attend. A query row whose keys are all masked outputs zeros.
"""

import numpy as np


def _float_dtype(*arrays):
    """The dtype the output keeps: the result type of the inputs, float64 if none is floating."""
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, shifted by the max so exp never overflows.

    x: any shape. Returns the same shape, in x's floating dtype."""
    x = np.asarray(x)
    z = x.astype(np.float64)
    z = z - z.max(axis=axis, keepdims=True)      # largest entry becomes 0: exp(z) <= 1
    e = np.exp(z)
    out = e / e.sum(axis=axis, keepdims=True)    # the sum is >= 1 (the max contributes exp(0))
    return out.astype(_float_dtype(x), copy=False)


def self_attention(x, w_q, w_k, w_v, mask=None):
    """softmax(Q K^T / sqrt(d_k) + mask) V for one head.

    x: (B, T, d_model); w_q, w_k: (d_model, d_k); w_v: (d_model, d_v)
    mask: optional bool array broadcastable to (B, T, T); mask[b, i, j] True = query i may NOT
          attend to key j. A query with every key masked outputs zeros.
    Returns (B, T, d_v) in np.result_type of the float inputs."""
    dtype = _float_dtype(x, w_q, w_k, w_v)
    x64 = np.asarray(x, dtype=np.float64)
    q = x64 @ np.asarray(w_q, dtype=np.float64)      # (B, T, d_k)
    k = x64 @ np.asarray(w_k, dtype=np.float64)      # (B, T, d_k)
    v = x64 @ np.asarray(w_v, dtype=np.float64)      # (B, T, d_v)
    d_k = q.shape[-1]
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(d_k)   # (B, T_query, T_key)

    if mask is None:
        weights = softmax(scores, axis=-1)           # (B, T, T), rows sum to 1
    else:
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), scores.shape)   # (B, T, T)
        all_masked = mask.all(axis=-1, keepdims=True)                        # (B, T, 1)
        # Masked keys get -inf (weight exactly 0); a row with nothing left to attend to is
        # given finite scores so the softmax stays finite, and its weights are zeroed after.
        scores = np.where(mask, -np.inf, scores)
        scores = np.where(all_masked, 0.0, scores)
        weights = softmax(scores, axis=-1)
        weights = np.where(all_masked, 0.0, weights)

    out = weights @ v                                 # (B, T, d_v)
    return out.astype(dtype, copy=False)
