"""Correct: arithmetic in the input's own dtype, -inf handled explicitly with np.where, one-hot masks."""

import numpy as np


def softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.where(np.isneginf(x), 0, np.exp(x - m)).astype(x.dtype)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return np.where(np.isneginf(x), -np.inf, x - lse).astype(x.dtype)


def _onehot(logits, labels, ignore_index):
    """(..., V) bool one-hot of the counted labels, and (...) bool of counted positions."""
    V = logits.shape[-1]
    counted = labels != ignore_index if ignore_index is not None else np.ones(labels.shape, bool)
    if ((labels[counted] < 0) | (labels[counted] >= V)).any():
        raise ValueError("a label is out of range")
    onehot = (labels[..., None] == np.arange(V)) & counted[..., None]
    return onehot, counted


def cross_entropy(logits, labels, ignore_index=None):
    onehot, counted = _onehot(logits, labels, ignore_index)
    n = int(counted.sum())
    if n == 0:
        return 0.0
    nll = -np.where(onehot, log_softmax(logits), 0).sum()
    return nll / n


def cross_entropy_grad(logits, labels, ignore_index=None):
    onehot, counted = _onehot(logits, labels, ignore_index)
    n = max(int(counted.sum()), 1)
    grad = np.where(counted[..., None], softmax(logits) - onehot, 0)
    return (grad / n).astype(logits.dtype)
