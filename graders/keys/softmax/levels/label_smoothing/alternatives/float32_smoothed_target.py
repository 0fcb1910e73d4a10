"""Correct: the smoothed target as an array, in the logits' own dtype; -sum(target * logp) taken only where
the target is positive (np.multiply's `where`), so eps = 0 never forms 0 * (-inf)."""

import numpy as np


def _prepare(logits, labels, ignore_index, label_smoothing):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    V = logits.shape[-1]
    z, y = logits.reshape(-1, V), labels.reshape(-1)               # (N, V), (N,)
    keep = np.ones(y.shape, dtype=bool) if ignore_index is None else y != ignore_index
    if np.any(keep & ((y < 0) | (y >= V))):
        raise ValueError("label out of range")
    z, y = z[keep], y[keep]                                         # (n, V), (n,)
    target = np.full(z.shape, label_smoothing / V, dtype=z.dtype)
    target[np.arange(len(y)), y] += 1 - label_smoothing
    shifted = z - z.max(axis=-1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return keep, target, logp


def cross_entropy(logits, labels, ignore_index=None, label_smoothing=0.0):
    keep, target, logp = _prepare(logits, labels, ignore_index, label_smoothing)
    if not keep.any():
        return 0.0
    terms = np.multiply(target, logp, out=np.zeros_like(logp), where=target > 0)
    return float(-terms.sum() / keep.sum())


def cross_entropy_grad(logits, labels, ignore_index=None, label_smoothing=0.0):
    keep, target, logp = _prepare(logits, labels, ignore_index, label_smoothing)
    grad = np.zeros(logits.reshape(-1, logits.shape[-1]).shape, dtype=logits.dtype)
    if keep.any():
        grad[keep] = (np.exp(logp) - target) / keep.sum()
    return grad.reshape(logits.shape)
