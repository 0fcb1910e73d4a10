"""Correct: one position at a time with math on Python floats (row.tolist()), then the gradient rows
written into a float64 tensor and cast to the logits' dtype."""

import math

import torch


def _rows(logits, labels, ignore_index, label_smoothing):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    V = logits.shape[-1]
    rows, where = [], []
    for i, (row, y) in enumerate(zip(logits.reshape(-1, V).tolist(), labels.reshape(-1).tolist())):
        if ignore_index is not None and y == ignore_index:
            continue
        if not 0 <= y < V:
            raise ValueError(f"label {y} out of range for {V} classes")
        rows.append((row, y))
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
    grad = torch.zeros(logits.reshape(-1, V).shape, dtype=torch.float64)
    for (row, y), i in zip(rows, where):
        lse = _logsumexp(row)
        grad[i] = torch.tensor([(math.exp(v - lse) - label_smoothing / V - (1 - label_smoothing) * (j == y)) / len(rows)
                                for j, v in enumerate(row)], dtype=torch.float64)
    return grad.reshape(logits.shape).to(logits.dtype)
