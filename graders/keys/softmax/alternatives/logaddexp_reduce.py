"""Correct: log-normaliser from np.logaddexp.reduce (stable pairwise log(e^a + e^b)), flattened batch."""

import numpy as np


def log_softmax(x, axis=-1):
    return x - np.logaddexp.reduce(x, axis=axis, keepdims=True)


def softmax(x, axis=-1):
    return np.exp(log_softmax(x, axis))


def _flat(logits, labels, ignore_index):
    V = logits.shape[-1]
    z, y = logits.reshape(-1, V), labels.reshape(-1)
    keep = np.flatnonzero(y != ignore_index) if ignore_index is not None else np.arange(y.size)
    if keep.size and (y[keep].min() < 0 or y[keep].max() >= V):
        raise ValueError(f"labels out of range for V={V}")
    return z, y, keep


def cross_entropy(logits, labels, ignore_index=None):
    z, y, keep = _flat(logits, labels, ignore_index)
    if keep.size == 0:
        return 0.0
    return float(-log_softmax(z[keep])[np.arange(keep.size), y[keep]].mean(dtype=np.float64))


def cross_entropy_grad(logits, labels, ignore_index=None):
    z, y, keep = _flat(logits, labels, ignore_index)
    grad = np.zeros_like(z)
    if keep.size:
        p = softmax(z[keep])
        p[np.arange(keep.size), y[keep]] -= 1
        grad[keep] = p / keep.size
    return grad.reshape(logits.shape)
