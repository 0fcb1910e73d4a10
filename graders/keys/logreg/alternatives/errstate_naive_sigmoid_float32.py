"""Correct: the textbook sigmoid 1 / (1 + exp(-z)) under np.errstate(over="ignore") (exp(1e4) is
inf, 1 / inf is 0: the right answer, and no warning is emitted); float32 arithmetic for float32
inputs; SGD with its own inline minibatch gradient (mean over the minibatch's own length)."""

import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def _softplus(z):
    return np.logaddexp(0, z)


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    dtype = np.result_type(X, w)
    y = np.asarray(y).astype(dtype)
    z = (X @ w + b).astype(dtype)
    loss = np.mean(y * _softplus(-z) + (1 - y) * _softplus(z)) + 0.5 * l2 * np.sum(w * w)
    err = sigmoid(z) - y
    return float(loss), (X.T @ err / len(y) + l2 * w).astype(dtype), float(err.mean())


def predict_proba(X, w, b):
    return sigmoid((X @ w + b).astype(np.result_type(X, w)))


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    y = np.asarray(y).astype(X.dtype)
    w = np.zeros(d, dtype=X.dtype)
    b = X.dtype.type(0)
    for _ in range(epochs):
        perm = rng.permutation(n)
        for start in range(0, n, batch_size):
            Xb, yb = X[perm[start:start + batch_size]], y[perm[start:start + batch_size]]
            err = sigmoid(Xb @ w + b) - yb                # (m,)
            w = w - X.dtype.type(lr) * (Xb.T @ err / len(yb) + X.dtype.type(l2) * w)
            b = b - X.dtype.type(lr) * err.mean()
    return w, float(b)
