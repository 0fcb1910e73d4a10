"""Correct: one position at a time with math on Python floats: the row's log-sum-exp, the label's
log-probability and the mean log-probability, then the smoothed loss and its gradient row."""

import math

import numpy as np


def _rows(logits, labels, ignore_index, label_smoothing):
    """[(row of floats, label)] of the counted positions, and the flat row indices they came from."""
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    V = logits.shape[-1]
    flat, ys = logits.reshape(-1, V), labels.reshape(-1)
    rows, where = [], []
    for i, (row, y) in enumerate(zip(flat, ys)):
        if ignore_index is not None and y == ignore_index:
            continue
        if not 0 <= y < V:
            raise ValueError(f"label {y} out of range for {V} classes")
        rows.append(([float(v) for v in row], int(y)))
        where.append(i)
    return rows, where


def _logsumexp(row):
    m = max(row)
    return m + math.log(sum(math.exp(v - m) for v in row))


def cross_entropy(logits, labels, ignore_index=None, label_smoothing=0.0):
    rows, _ = _rows(logits, labels, ignore_index, label_smoothing)
    if not rows:
        return 0.0
    total = 0.0
    for row, y in rows:
        lse = _logsumexp(row)
        total += (1 - label_smoothing) * (lse - row[y])
        if label_smoothing > 0:
            total += label_smoothing * sum(lse - v for v in row) / len(row)
    return total / len(rows)


def cross_entropy_grad(logits, labels, ignore_index=None, label_smoothing=0.0):
    rows, where = _rows(logits, labels, ignore_index, label_smoothing)
    V = logits.shape[-1]
    grad = np.zeros((int(np.prod(logits.shape[:-1], dtype=np.int64)), V))
    for (row, y), i in zip(rows, where):
        lse = _logsumexp(row)
        for j, v in enumerate(row):
            target = label_smoothing / V + (1 - label_smoothing) * (j == y)
            grad[i, j] = (math.exp(v - lse) - target) / len(rows)
    return grad.reshape(logits.shape).astype(logits.dtype)
