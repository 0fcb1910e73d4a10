"""Mutant: sigmoid writes its result into z.double(), which is z itself when z is float64: the caller's logits are overwritten."""

import torch


def _float_dtype(*tensors):
    """The dtype the outputs keep: the promoted dtype of the inputs, float64 if none is floating."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype if dtype.is_floating_point else torch.float64


def _softplus(z):
    """log(1 + exp(z)) without overflow: max(z, 0) + log1p(exp(-|z|))."""
    return z.clamp(min=0.0) + torch.log1p(torch.exp(-z.abs()))


def _sigmoid64(z):
    """sigmoid of a float64 tensor, never overflowing: exp is only taken of -|z| <= 0."""
    e = torch.exp(-z.abs())                               # in (0, 1]
    return torch.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid(z):
    """1 / (1 + exp(-z)), elementwise. z: any shape. Returns the same shape in z's float dtype."""
    out = z.double()                                      # the buffer for the result
    out[:] = _sigmoid64(out)
    return out.to(_float_dtype(z))


def _gradients(X, y, w, b, l2):
    """(dw (d,), db) of the mean loss + 0.5 * l2 * ||w||^2, all float64: d nll / d z = sigmoid(z) - y."""
    err = _sigmoid64(X @ w + b) - y                       # (n,)
    return X.T @ err / len(y) + l2 * w, float(err.mean())   # the bias is not penalised


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    """Mean binary cross-entropy of sigmoid(X @ w + b) against y, plus 0.5 * l2 * ||w||^2.

    X: (n, d); y: (n,) labels in {0, 1} (ints or floats); w: (d,); b: float.
    Returns (loss: float, dw: (d,) in the dtype of X and w, db: float). The bias is not penalised."""
    dtype = _float_dtype(X, w)
    X64, y64, w64 = X.to(torch.float64), y.to(torch.float64), w.to(torch.float64)   # (n, d), (n,), (d,)

    z = X64 @ w64 + float(b)                              # (n,) logits
    # y * softplus(-z) + (1 - y) * softplus(z) = softplus(z) - y z, each term >= 0 (no cancellation)
    nll = y64 * _softplus(-z) + (1.0 - y64) * _softplus(z)            # (n,)
    loss = nll.mean() + 0.5 * l2 * (w64 @ w64)
    dw, db = _gradients(X64, y64, w64, float(b), l2)      # (d,), float
    return float(loss), dw.to(dtype), db


def predict_proba(X, w, b):
    """P(y = 1 | x) for every row of X: sigmoid(X @ w + b), shape (n,), in the dtype of X and w."""
    z = X.to(torch.float64) @ w.to(torch.float64) + float(b)          # (n,)
    return _sigmoid64(z).to(_float_dtype(X, w))


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    """Minibatch SGD on the regularised loss from w = 0, b = 0, a fresh shuffle every epoch from a
    torch.Generator seeded with `seed`. Returns (w (d,) in X's float dtype, b float)."""
    X64, y64 = X.to(torch.float64), y.to(torch.float64)  # (n, d), (n,): only read
    generator = torch.Generator().manual_seed(seed)      # one generator: a new order every epoch
    w, b = torch.zeros(X.shape[1], dtype=torch.float64), 0.0
    for _ in range(epochs):
        order = torch.randperm(len(y64), generator=generator)
        for batch in order.split(batch_size):            # the last batch may be partial
            dw, db = _gradients(X64[batch], y64[batch], w, b, l2)
            w, b = w - lr * dw, b - lr * db
    return w.to(_float_dtype(X)), b
