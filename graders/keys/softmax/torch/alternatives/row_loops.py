"""Correct: explicit Python loops over rows with the math module, as on a whiteboard; tensors only at the
edges (movedim to put `axis` last, torch.tensor to build the result in the input's dtype)."""

import math

import torch


def _rows(x, axis):
    """x with `axis` last, as a list of rows, and a function putting new rows back in x's shape and dtype."""
    moved = x.movedim(axis, -1)
    shape = moved.shape
    rows = moved.reshape(-1, shape[-1]).tolist()

    def back(new_rows):
        out = torch.tensor(new_rows, dtype=torch.float64).reshape(shape)
        return out.movedim(-1, axis).to(x.dtype)

    return rows, back


def _log_softmax_row(row):
    m = max(row)
    s = sum(math.exp(v - m) for v in row)
    return [v - m - math.log(s) for v in row]


def softmax(x, axis=-1):
    rows, back = _rows(x, axis)
    return back([[math.exp(v) for v in _log_softmax_row(row)] for row in rows])


def log_softmax(x, axis=-1):
    rows, back = _rows(x, axis)
    return back([_log_softmax_row(row) for row in rows])


def _pairs(logits, labels, ignore_index):
    """[(row of logits, label or None when ignored)], validated."""
    V = logits.shape[-1]
    if list(labels.shape) != list(logits.shape[:-1]):
        raise ValueError("labels must have the leading shape of the logits")
    rows = logits.reshape(-1, V).tolist()
    ys = labels.reshape(-1).tolist()
    pairs = []
    for row, y in zip(rows, ys):
        if ignore_index is not None and y == ignore_index:
            pairs.append((row, None))
        elif not 0 <= y < V:
            raise ValueError(f"label {y} outside [0, {V})")
        else:
            pairs.append((row, y))
    return pairs


def cross_entropy(logits, labels, ignore_index=None):
    counted = [(row, y) for row, y in _pairs(logits, labels, ignore_index) if y is not None]
    if not counted:
        return 0.0
    return -sum(_log_softmax_row(row)[y] for row, y in counted) / len(counted)


def cross_entropy_grad(logits, labels, ignore_index=None):
    pairs = _pairs(logits, labels, ignore_index)
    n = sum(y is not None for _, y in pairs)
    grads = []
    for row, y in pairs:
        if y is None:
            grads.append([0.0] * len(row))
            continue
        p = [math.exp(v) for v in _log_softmax_row(row)]
        grads.append([(pi - (1.0 if i == y else 0.0)) / n for i, pi in enumerate(p)])
    return torch.tensor(grads, dtype=torch.float64).reshape(logits.shape).to(logits.dtype)
