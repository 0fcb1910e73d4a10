"""Correct: arithmetic in the inputs' own dtype (float32 stays float32 throughout), sigmoid as
0.5 * (1 + tanh(z / 2)), the loss as logaddexp(0, z) - y z, einsum for the products, and an
index array shuffled in place by rng.shuffle each epoch."""

import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    return 0.5 * (1 + np.tanh(0.5 * z))                   # tanh saturates at +-1: no overflow


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    dtype = np.result_type(X, w)
    X, w = X.astype(dtype, copy=False), w.astype(dtype, copy=False)
    y = np.asarray(y).astype(dtype)
    b = dtype.type(b)
    n = X.shape[0]
    z = np.einsum("nd,d->n", X, w) + b                    # (n,)
    loss = np.mean(np.logaddexp(dtype.type(0), z) - y * z) + dtype.type(0.5 * l2) * np.einsum("d,d->", w, w)
    err = sigmoid(z) - y                                  # (n,)
    dw = np.einsum("nd,n->d", X, err) / dtype.type(n) + dtype.type(l2) * w
    return float(loss), dw, float(np.mean(err))


def predict_proba(X, w, b):
    dtype = np.result_type(X, w)
    return sigmoid(np.einsum("nd,d->n", X.astype(dtype, copy=False), w.astype(dtype, copy=False)) + dtype.type(b))


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    n, d = X.shape
    rng = np.random.default_rng(seed)
    w, b = np.zeros(d, dtype=X.dtype), 0.0
    idx = np.arange(n)
    for _ in range(epochs):
        rng.shuffle(idx)                                  # our own index array, shuffled in place
        for start in range(0, n, batch_size):
            batch = idx[start:start + batch_size]
            _, dw, db = logreg_loss_and_grad(X[batch], y[batch], w, b, l2)
            w -= X.dtype.type(lr) * dw
            b -= lr * db
    return w, b
