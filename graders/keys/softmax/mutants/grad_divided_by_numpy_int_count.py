"""The gradient is divided by valid.sum(), a NumPy int64: float32 / int64 is float64, so float32 logits get a float64 gradient."""

import numpy as np


def softmax(x, axis=-1):
    z = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def _flatten(logits, labels, ignore_index):
    V = logits.shape[-1]
    logits = logits.reshape(-1, V)
    labels = labels.reshape(-1)
    if ignore_index is None:
        valid = np.ones(labels.shape, dtype=bool)
    else:
        valid = labels != ignore_index
    if np.any((labels[valid] < 0) | (labels[valid] >= V)):
        raise ValueError(f"label out of range [0, {V})")
    return logits, labels, valid


def cross_entropy(logits, labels, ignore_index=None):
    logits, labels, valid = _flatten(logits, labels, ignore_index)
    n = int(valid.sum())
    if n == 0:
        return 0.0
    logp = log_softmax(logits[valid])
    nll = -logp[np.arange(n), labels[valid]]
    return float(nll.sum() / n)


def cross_entropy_grad(logits, labels, ignore_index=None):
    shape = logits.shape
    logits, labels, valid = _flatten(logits, labels, ignore_index)
    n = valid.sum()                                             # a NumPy int64
    grad = np.zeros_like(logits)
    if n == 0:
        return grad.reshape(shape)
    rows = np.flatnonzero(valid)
    grad[rows] = softmax(logits[rows])
    grad[rows, labels[rows]] -= 1
    return (grad / n).reshape(shape)
