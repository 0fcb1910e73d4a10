"""Correct: labels mapped to s = 2y - 1 (a copy) and the loss written as mean log(1 + exp(-s z)),
sigmoid as exp(-logaddexp(0, -z)), the shuffle from a seeded random.Random (not the global one),
each epoch's minibatches made from shuffled copies of X and y."""

import random

import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    return np.exp(-np.logaddexp(0, -z))                   # 1 / (1 + exp(-z)) in log space


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    dtype = np.result_type(X, w)
    s = 2.0 * np.asarray(y, dtype=np.float64) - 1.0       # (n,) labels in {-1, +1}
    z = X.astype(np.float64) @ w.astype(np.float64) + b   # (n,)
    margin = s * z
    loss = np.logaddexp(0, -margin).mean() + 0.5 * l2 * float(np.sum(w.astype(np.float64) ** 2))
    dz = -s * sigmoid(-margin)                            # (n,) d log(1 + exp(-s z)) / d z
    dw = X.T.astype(np.float64) @ dz / len(s) + l2 * w
    return loss, dw.astype(dtype), dz.mean()


def predict_proba(X, w, b):
    return sigmoid(X @ w + b).astype(np.result_type(X, w))


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    n, d = X.shape
    shuffler = random.Random(seed)
    w, b = np.zeros(d), 0.0
    order = list(range(n))
    for _ in range(epochs):
        shuffler.shuffle(order)
        Xs, ys = X[order], y[order]                       # shuffled copies
        for start in range(0, n, batch_size):
            _, dw, db = logreg_loss_and_grad(Xs[start:start + batch_size], ys[start:start + batch_size], w, b, l2)
            w, b = w - lr * dw, b - lr * db
    return w.astype(X.dtype), float(b)
