"""Correct, float64 inside: sigmoid as 0.5 * (1 + tanh(z / 2)), the products with einsum, the loss from a
softplus written with torch.where (both branches are evaluated, and one may be inf: PyTorch neither warns
nor lets it through), the shuffles from Python's random.Random(seed), a generator of its own; the trained
bias comes back as a 0-d tensor."""

import random

import torch


def _promoted(*tensors):
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype if dtype.is_floating_point else torch.float64


def _sigmoid(z):
    return 0.5 * (1.0 + torch.tanh(0.5 * z))


def _softplus(z):
    return torch.where(z > 0, z + torch.log1p(torch.exp(-z)), torch.log1p(torch.exp(z)))


def sigmoid(z):
    return _sigmoid(z.double()).to(_promoted(z))


def _grads(X, y, w, b, l2):
    err = _sigmoid(torch.einsum("nd,d->n", X, w) + b) - y
    return torch.einsum("nd,n->d", X, err) / len(err) + l2 * w, err.mean()


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    X64, y64, w64 = X.double(), y.double(), w.double()
    z = torch.einsum("nd,d->n", X64, w64) + b
    loss = (y64 * _softplus(-z) + (1 - y64) * _softplus(z)).mean() + 0.5 * l2 * torch.einsum("d,d->", w64, w64)
    dw, db = _grads(X64, y64, w64, b, l2)
    return loss, dw.to(_promoted(X, w)), db


def predict_proba(X, w, b):
    return _sigmoid(torch.einsum("nd,d->n", X.double(), w.double()) + b).to(_promoted(X, w))


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    X64, y64 = X.double(), y.double()
    n = X64.shape[0]
    shuffler = random.Random(seed)
    w, b = torch.zeros(X64.shape[1], dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64)
    order = list(range(n))
    for _ in range(epochs):
        shuffler.shuffle(order)
        for start in range(0, n, batch_size):
            batch = torch.tensor(order[start:start + batch_size])
            dw, db = _grads(X64[batch], y64[batch], w, b, l2)
            w, b = w - lr * dw, b - lr * db
    return w.to(_promoted(X)), b
