"""Correct: -inf fill, the NaN of fully masked rows silenced with np.errstate (so no warning is
emitted) and replaced by zeros with np.nan_to_num; float64 softmax inside."""

import numpy as np


def softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted.astype(np.float64))
    return (e / np.sum(e, axis=axis, keepdims=True)).astype(np.result_type(x, np.float32))


def self_attention(x, w_q, w_k, w_v, mask=None):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    d_k = q.shape[-1]
    scores = (q @ k.swapaxes(-1, -2)) * (d_k ** -0.5)
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    with np.errstate(invalid="ignore"):
        weights = softmax(scores)                                 # NaN rows where all keys are masked
    weights = np.nan_to_num(weights, nan=0.0)
    return weights @ v
