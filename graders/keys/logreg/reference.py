"""Reference solution of the `logreg` kata: binary logistic regression trained with minibatch SGD.

Computes in float64 and returns the float dtype of X and w (np.result_type; integer labels y do
not change it). The loss is computed from the logits, never from clipped probabilities:
    -log sigmoid(z) = softplus(-z),   -log(1 - sigmoid(z)) = softplus(z).
Two helpers the hidden tests use live here too: `sgd_along_orders` (SGD along given per-epoch
orders) and `regularised_optimum` (the minimiser of the regularised loss, by Newton's method).
"""

import numpy as np


def _float_dtype(*arrays):
    """The dtype the outputs keep: the result type of the inputs, float64 if none is floating."""
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def _softplus(z):
    """log(1 + exp(z)) without overflow: max(z, 0) + log1p(exp(-|z|))."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _sigmoid64(z):
    """sigmoid of a float64 array, never overflowing: exp is only taken of -|z| <= 0."""
    e = np.exp(-np.abs(z))                                # in (0, 1]
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid(z):
    """1 / (1 + exp(-z)), elementwise. z: any shape. Returns the same shape in z's float dtype."""
    z = np.asarray(z)
    return _sigmoid64(z.astype(np.float64)).astype(_float_dtype(z), copy=False)


def _gradients(X, y, w, b, l2):
    """(dw (d,), db) of the mean loss + 0.5 * l2 * ||w||^2, all float64: d nll / d z = sigmoid(z) - y."""
    err = _sigmoid64(X @ w + b) - y                       # (n,)
    return X.T @ err / len(y) + l2 * w, float(err.mean())   # the bias is not penalised


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    """Mean binary cross-entropy of sigmoid(X @ w + b) against y, plus 0.5 * l2 * ||w||^2.

    X: (n, d); y: (n,) labels in {0, 1} (ints or floats); w: (d,); b: float.
    Returns (loss: float, dw: (d,) in the dtype of X and w, db: float). The bias is not penalised."""
    dtype = _float_dtype(X, w)
    X64 = np.asarray(X, dtype=np.float64)                 # (n, d)
    y64 = np.asarray(y, dtype=np.float64)                 # (n,)
    w64 = np.asarray(w, dtype=np.float64)                 # (d,)

    z = X64 @ w64 + float(b)                              # (n,) logits
    # y * softplus(-z) + (1 - y) * softplus(z) = softplus(z) - y z, each term >= 0 (no cancellation)
    nll = y64 * _softplus(-z) + (1.0 - y64) * _softplus(z)            # (n,)
    loss = nll.mean() + 0.5 * l2 * (w64 @ w64)
    dw, db = _gradients(X64, y64, w64, float(b), l2)      # (d,), float
    return float(loss), dw.astype(dtype, copy=False), db


def predict_proba(X, w, b):
    """P(y = 1 | x) for every row of X: sigmoid(X @ w + b), shape (n,), in the dtype of X and w."""
    dtype = _float_dtype(X, w)
    z = np.asarray(X, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + float(b)   # (n,)
    return _sigmoid64(z).astype(dtype, copy=False)


def sgd_along_orders(X, y, orders, lr, l2, batch_size):
    """SGD from w = 0, b = 0 visiting the samples epoch by epoch in the given orders: each order
    (n,) is cut into consecutive batches of batch_size (the last one smaller when batch_size does
    not divide n) and each batch takes one step on its own mean loss plus the full penalty.
    Returns (w (d,) float64, b float)."""
    X64 = np.asarray(X, dtype=np.float64)                 # (n, d)
    y64 = np.asarray(y, dtype=np.float64)                 # (n,)
    w, b = np.zeros(X64.shape[1]), 0.0
    for order in orders:
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]       # the last batch may be partial
            dw, db = _gradients(X64[batch], y64[batch], w, b, l2)
            w, b = w - lr * dw, b - lr * db
    return w, b


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    """Minibatch SGD on the regularised loss from w = 0, b = 0, a fresh shuffle every epoch from a
    generator seeded with `seed` (never the global np.random state). Returns (w (d,) in X's float
    dtype, b float)."""
    X = np.asarray(X)
    rng = np.random.default_rng(seed)
    orders = [rng.permutation(X.shape[0]) for _ in range(epochs)]    # one new order per epoch
    w, b = sgd_along_orders(X, y, orders, lr, l2, batch_size)
    return w.astype(_float_dtype(X), copy=False), b


def regularised_optimum(X, y, l2, iters=100):
    """The minimiser (w, b) of the mean loss + 0.5 * l2 * ||w||^2 by Newton's method (for the
    tests: strictly convex when l2 > 0 and the data has both labels)."""
    X64 = np.asarray(X, dtype=np.float64)
    n, d = X64.shape
    A = np.hstack([X64, np.ones((n, 1))])                 # (n, d + 1): the bias as a last feature
    penalty = np.diag([l2] * d + [0.0])                   # (d + 1, d + 1): no penalty on the bias
    theta = np.zeros(d + 1)
    for _ in range(iters):
        dw, db = _gradients(X64, np.asarray(y, dtype=np.float64), theta[:d], theta[d], l2)
        grad = np.append(dw, db)                          # (d + 1,)
        p = _sigmoid64(A @ theta)                         # (n,)
        hessian = (A.T * (p * (1 - p))) @ A / n + penalty
        step = np.linalg.solve(hessian, grad)
        theta = theta - step
        if np.abs(step).max() < 1e-15 * (1 + np.abs(theta).max()):
            break
    return theta[:d], float(theta[d])
