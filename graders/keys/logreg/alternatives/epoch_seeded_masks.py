"""Correct: a generator per epoch seeded with (seed, epoch) and an argsort of uniforms as the
shuffle; sigmoid filled in with boolean masks; the loss as max(z, 0) - y z + log1p(exp(-|z|));
float64 inside, rounded to the input dtype."""

import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    z64 = z.astype(np.float64)
    out = np.empty_like(z64)
    pos = z64 >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z64[pos]))
    e = np.exp(z64[~pos])                                 # only the negative logits: no overflow
    out[~pos] = e / (1.0 + e)
    return out.astype(z.dtype if z.dtype.kind == "f" else np.float64)


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    out_dtype = np.result_type(X, w)
    X, y, w = X.astype(np.float64), np.asarray(y, dtype=np.float64), w.astype(np.float64)
    n = len(y)
    z = X @ w + b
    loss = np.sum(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))) / n + 0.5 * l2 * w.dot(w)
    err = sigmoid(z) - y
    dw = err @ X / n + l2 * w
    return loss, dw.astype(out_dtype), err.sum() / n


def predict_proba(X, w, b):
    return sigmoid(X.astype(np.float64) @ w.astype(np.float64) + b).astype(np.result_type(X, w))


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    for epoch in range(epochs):
        rng = np.random.default_rng([seed, epoch])        # depends on (seed, epoch) only
        order = np.argsort(rng.random(n))
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            _, dw, db = logreg_loss_and_grad(X[idx], y[idx], w, b, l2)
            w -= lr * dw
            b -= lr * db
    return w.astype(X.dtype), float(b)
