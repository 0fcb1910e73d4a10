"""Correct: explicit Python loops and the math module, one sample at a time; float64 inside (math
works in doubles), tensors only at the edges (tolist in, torch.tensor out in the input dtype);
the epochs' orders from torch.randperm with a generator seeded by `seed`."""

import math

import torch


def _sigmoid_scalar(t):
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)                                       # t < 0: exp(t) < 1, no overflow
    return e / (1.0 + e)


def _softplus_scalar(t):
    """log(1 + exp(t)) for one number, without overflow."""
    return max(t, 0.0) + math.log1p(math.exp(-abs(t)))


def _float_dtype(*tensors):
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype if dtype.is_floating_point else torch.float64


def sigmoid(z):
    values = [_sigmoid_scalar(t) for t in z.reshape(-1).tolist()]
    return torch.tensor(values, dtype=_float_dtype(z)).reshape(z.shape)


def _loss_and_grad(rows, labels, w, b, l2):
    """Python lists in, Python floats out: (loss, dw list, db)."""
    n, d = len(rows), len(w)
    loss, dw, db = 0.0, [0.0] * d, 0.0
    for x, yi in zip(rows, labels):
        z = sum(xj * wj for xj, wj in zip(x, w)) + b
        loss += yi * _softplus_scalar(-z) + (1.0 - yi) * _softplus_scalar(z)
        err = _sigmoid_scalar(z) - yi
        for j in range(d):
            dw[j] += err * x[j]
        db += err
    penalty = 0.5 * l2 * sum(wj * wj for wj in w)
    return loss / n + penalty, [dw[j] / n + l2 * w[j] for j in range(d)], db / n


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    loss, dw, db = _loss_and_grad(X.tolist(), [float(v) for v in y.tolist()], w.tolist(), float(b), l2)
    return loss, torch.tensor(dw, dtype=_float_dtype(X, w)), db


def predict_proba(X, w, b):
    weights = w.tolist()
    p = [_sigmoid_scalar(sum(xj * wj for xj, wj in zip(x, weights)) + float(b)) for x in X.tolist()]
    return torch.tensor(p, dtype=_float_dtype(X, w))


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    rows, labels = X.tolist(), [float(v) for v in y.tolist()]
    n, d = len(rows), X.shape[1]
    generator = torch.Generator().manual_seed(seed)
    w, b = [0.0] * d, 0.0
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).tolist()
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, dw, db = _loss_and_grad([rows[i] for i in batch], [labels[i] for i in batch], w, b, l2)
            w = [wj - lr * gj for wj, gj in zip(w, dw)]
            b = b - lr * db
    return torch.tensor(w, dtype=_float_dtype(X)), b
