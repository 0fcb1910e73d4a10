"""Correct: everything in the inputs' own dtype (float32 stays float32 inside), probabilities
gathered with fancy indexing, the loss returned as a NumPy scalar of that dtype."""

import numpy as np


def mlp_loss_and_grads(x, y, W1, b1, W2, b2):
    N = len(y)
    rows = np.arange(N)
    z1 = x @ W1 + b1
    h = np.where(z1 > 0, z1, 0).astype(x.dtype)
    logits = h @ W2 + b2
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    log_probs = shifted - np.log(total)
    loss = -log_probs[rows, y].mean()
    dlogits = exp / total
    dlogits[rows, y] -= 1
    dlogits /= N
    dh = dlogits @ W2.T
    dh[z1 <= 0] = 0
    return loss, {"W1": x.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ dlogits, "b2": dlogits.sum(axis=0)}


def mlp_train_step(x, y, W1, b1, W2, b2, lr=1e-2):
    loss, g = mlp_loss_and_grads(x, y, W1, b1, W2, b2)
    W1 -= lr * g["W1"]
    b1 -= lr * g["b1"]
    W2 -= lr * g["W2"]
    b2 -= lr * g["b2"]
    return loss
