"""Mutant: spreads eps over the V - 1 wrong classes (target 1 - eps on the label), the other convention, not PyTorch's eps / V over all classes."""

import numpy as np


def _log_softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _counted(logits, labels, ignore_index, label_smoothing):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    V = logits.shape[-1]
    z = logits.reshape(-1, V).astype(np.float64)                   # (N, V)
    y = labels.reshape(-1)                                          # (N,)
    keep = np.ones(y.shape, dtype=bool) if ignore_index is None else y != ignore_index
    if np.any(keep & ((y < 0) | (y >= V))):
        raise ValueError(f"labels must be in [0, {V}) unless ignored")
    return z, y, keep


def cross_entropy(logits, labels, ignore_index=None, label_smoothing=0.0):
    z, y, keep = _counted(logits, labels, ignore_index, label_smoothing)
    n = int(keep.sum())
    if n == 0:
        return 0.0
    logp = _log_softmax(z[keep])                                    # (n, V)
    nll = -logp[np.arange(n), y[keep]]
    loss = (1 - label_smoothing) * nll.sum()
    if label_smoothing > 0:
        others = -logp.sum(axis=-1) - nll
        loss += label_smoothing * (others / (z.shape[-1] - 1)).sum()
    return float(loss / n)


def cross_entropy_grad(logits, labels, ignore_index=None, label_smoothing=0.0):
    z, y, keep = _counted(logits, labels, ignore_index, label_smoothing)
    V = z.shape[-1]
    n = int(keep.sum())
    grad = np.zeros_like(z)
    if n:
        rows = np.flatnonzero(keep)
        target = np.full((len(rows), V), label_smoothing / (V - 1))
        target[np.arange(len(rows)), y[rows]] = 1 - label_smoothing
        grad[rows] = np.exp(_log_softmax(z[rows])) - target
        grad /= n
    return grad.reshape(logits.shape).astype(logits.dtype)
