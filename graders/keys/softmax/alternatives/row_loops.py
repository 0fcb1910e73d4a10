"""Correct: explicit Python loops over rows with the math module, as on a whiteboard."""

import math

import numpy as np


def _rows(x, axis):
    """x moved so that `axis` is last, as a list of rows, and a function putting rows back."""
    moved = np.moveaxis(np.asarray(x), axis, -1)
    shape = moved.shape
    rows = moved.reshape(-1, shape[-1]).tolist()

    def back(new_rows):
        out = np.array(new_rows, dtype=np.float64).reshape(shape)
        return np.moveaxis(out, -1, axis).astype(x.dtype)

    return rows, back


def _log_softmax_row(row):
    m = max(row)
    s = sum(math.exp(v - m) for v in row)
    return [v - m - math.log(s) for v in row]


def softmax(x, axis=-1):
    rows, back = _rows(x, axis)
    out = []
    for row in rows:
        m = max(row)
        e = [math.exp(v - m) for v in row]
        s = sum(e)
        out.append([v / s for v in e])
    return back(out)


def log_softmax(x, axis=-1):
    rows, back = _rows(x, axis)
    return back([_log_softmax_row(row) for row in rows])


def _pairs(logits, labels, ignore_index):
    V = logits.shape[-1]
    rows = np.asarray(logits).reshape(-1, V).tolist()
    ys = [int(y) for y in np.asarray(labels).reshape(-1)]
    for y in ys:
        if y != ignore_index and not 0 <= y < V:
            raise ValueError(f"label {y} out of range [0, {V})")
    return rows, ys


def cross_entropy(logits, labels, ignore_index=None):
    rows, ys = _pairs(logits, labels, ignore_index)
    total, count = 0.0, 0
    for row, y in zip(rows, ys):
        if y == ignore_index:
            continue
        total -= _log_softmax_row(row)[y]
        count += 1
    return total / count if count else 0.0


def cross_entropy_grad(logits, labels, ignore_index=None):
    rows, ys = _pairs(logits, labels, ignore_index)
    count = sum(1 for y in ys if y != ignore_index)
    grads = []
    for row, y in zip(rows, ys):
        if y == ignore_index:
            grads.append([0.0] * len(row))
            continue
        m = max(row)
        e = [math.exp(v - m) for v in row]
        s = sum(e)
        g = [v / s / count for v in e]
        g[y] -= 1.0 / count
        grads.append(g)
    return np.array(grads, dtype=np.float64).reshape(logits.shape).astype(logits.dtype)
