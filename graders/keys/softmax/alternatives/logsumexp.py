"""Correct: everything through logsumexp, float64 inside and a cast back; loss = lse - logit[label]."""

import numpy as np


def _logsumexp(z, axis):
    m = np.max(z, axis=axis, keepdims=True)
    return m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))


def log_softmax(x, axis=-1):
    z = np.asarray(x, dtype=np.float64)
    return (z - _logsumexp(z, axis)).astype(x.dtype)


def softmax(x, axis=-1):
    z = np.asarray(x, dtype=np.float64)
    return np.exp(z - _logsumexp(z, axis)).astype(x.dtype)


def _valid(labels, V, ignore_index):
    valid = np.ones(labels.shape, dtype=bool) if ignore_index is None else labels != ignore_index
    if np.any(valid & ((labels < 0) | (labels >= V))):
        raise ValueError(f"labels must be in [0, {V}) unless equal to ignore_index={ignore_index}")
    return valid


def cross_entropy(logits, labels, ignore_index=None):
    z = np.asarray(logits, dtype=np.float64)
    valid = _valid(labels, z.shape[-1], ignore_index)
    n = np.count_nonzero(valid)
    if n == 0:
        return 0.0
    safe = np.where(valid, labels, 0)[..., None]                       # (..., 1)
    picked = np.take_along_axis(z, safe, axis=-1)[..., 0]              # (...)
    nll = _logsumexp(z, -1)[..., 0] - picked
    return np.sum(nll, where=valid) / n


def cross_entropy_grad(logits, labels, ignore_index=None):
    z = np.asarray(logits, dtype=np.float64)
    valid = _valid(labels, z.shape[-1], ignore_index)
    n = np.count_nonzero(valid)
    grad = softmax(z)
    safe = np.where(valid, labels, 0)[..., None]
    np.put_along_axis(grad, safe, np.take_along_axis(grad, safe, axis=-1) - 1.0, axis=-1)
    grad = np.where(valid[..., None], grad, 0.0) / max(n, 1)
    return grad.astype(logits.dtype)
