"""predict_proba forgets the bias: sigmoid(X @ w)."""

import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    e = np.exp(-np.abs(z))                                   # in (0, 1]: never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def softplus(z):
    """log(1 + exp(z)), stable."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    n = X.shape[0]
    dtype = np.result_type(X, w)
    y = y.astype(dtype)
    z = X @ w + b                                            # (n,) logits
    # -log p = softplus(-z), -log(1 - p) = softplus(z)
    loss = np.mean(y * softplus(-z) + (1 - y) * softplus(z)) + 0.5 * l2 * np.dot(w, w)
    err = sigmoid(z) - y                                     # (n,)
    dw = X.T @ err / n + l2 * w                              # (d,)
    db = np.mean(err)
    return float(loss), dw.astype(dtype), float(db)


def predict_proba(X, w, b):
    return sigmoid(X @ w)


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    n, d = X.shape
    rng = np.random.default_rng(seed)
    w = np.zeros(d, dtype=X.dtype)
    b = 0.0
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            _, dw, db = logreg_loss_and_grad(X[idx], y[idx], w, b, l2)
            w = w - lr * dw
            b = b - lr * db
    return w, b
