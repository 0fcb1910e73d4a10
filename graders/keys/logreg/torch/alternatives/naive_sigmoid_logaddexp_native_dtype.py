"""Correct, in the inputs' own dtype (float32 stays float32 inside): the textbook sigmoid 1 / (1 + exp(-z)),
which in PyTorch is exact at the extremes (exp(1e4) is inf, 1 / inf is 0, and PyTorch does not warn),
the loss as logaddexp(0, z) - y z, batches from torch.split of a torch.randperm order."""

import torch


def sigmoid(z):
    if not z.is_floating_point():
        z = z.double()
    return 1.0 / (1.0 + torch.exp(-z))


def _dtype(X, w):
    dtype = torch.result_type(X, w)
    return dtype if dtype.is_floating_point else torch.float64


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    dtype = _dtype(X, w)
    X, w = X.to(dtype), w.to(dtype)
    y = y.to(dtype)
    z = X @ w + b
    loss = (torch.logaddexp(torch.zeros_like(z), z) - y * z).mean() + 0.5 * l2 * torch.dot(w, w)
    err = sigmoid(z) - y
    dw = X.T @ err / X.shape[0] + l2 * w
    return loss.item(), dw, err.mean().item()


def predict_proba(X, w, b):
    dtype = _dtype(X, w)
    return sigmoid(X.to(dtype) @ w.to(dtype) + b)


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    dtype = X.dtype if X.is_floating_point() else torch.float64
    X = X.to(dtype)
    w = torch.zeros(X.shape[1], dtype=dtype)
    b = 0.0
    g = torch.Generator()
    g.manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.split(torch.randperm(X.shape[0], generator=g), batch_size):
            _, dw, db = logreg_loss_and_grad(X[idx], y[idx], w, b, l2)
            w = w - lr * dw
            b = b - lr * db
    return w, b
