"""Correct: explicit Python loops and the math module, one sample at a time; float64 inside
(math works in doubles), results rounded once to the input dtype."""

import math

import numpy as np


def _sigmoid_scalar(t):
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)                                       # t < 0: exp(t) < 1, no overflow
    return e / (1.0 + e)


def _softplus_scalar(t):
    """log(1 + exp(t)) for one number, without overflow."""
    return max(t, 0.0) + math.log1p(math.exp(-abs(t)))


def sigmoid(z):
    z = np.asarray(z)
    out = np.empty(z.shape, dtype=z.dtype if np.issubdtype(z.dtype, np.floating) else np.float64)
    for index in np.ndindex(z.shape):
        out[index] = _sigmoid_scalar(float(z[index]))
    return out


def _logits(X, w, b):
    n, d = X.shape
    return [sum(float(X[i, j]) * float(w[j]) for j in range(d)) + float(b) for i in range(n)]


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    n, d = X.shape
    z = _logits(X, w, b)
    loss, dw, db = 0.0, [0.0] * d, 0.0
    for i in range(n):
        yi = float(y[i])
        loss += yi * _softplus_scalar(-z[i]) + (1.0 - yi) * _softplus_scalar(z[i])
        err = _sigmoid_scalar(z[i]) - yi
        for j in range(d):
            dw[j] += err * float(X[i, j])
        db += err
    penalty = 0.5 * l2 * sum(float(wj) ** 2 for wj in w)
    dw = [dw[j] / n + l2 * float(w[j]) for j in range(d)]
    return loss / n + penalty, np.array(dw, dtype=np.result_type(X, w)), db / n


def predict_proba(X, w, b):
    return np.array([_sigmoid_scalar(t) for t in _logits(X, w, b)], dtype=np.result_type(X, w))


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    n, d = X.shape
    rng = np.random.default_rng(seed)
    w, b = np.zeros(d), 0.0
    for epoch in range(epochs):
        order = list(rng.permutation(n))
        batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
        for batch in batches:
            _, dw, db = logreg_loss_and_grad(X[batch].astype(np.float64), y[batch], w, b, l2)
            w = w - lr * dw
            b = b - lr * db
    return w.astype(X.dtype), b
