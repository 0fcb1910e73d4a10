"""Correct: one example at a time in Python loops, accumulating the gradients of the mean loss;
float64 inside (math.exp / math.log on Python floats), the inputs' dtype out."""

import math

import numpy as np


def mlp_loss_and_grads(x, y, W1, b1, W2, b2):
    dtype = x.dtype
    x, W1, b1, W2, b2 = (a.astype(np.float64) for a in (x, W1, b1, W2, b2))
    N, D = x.shape
    H, C = W2.shape
    dW1, db1, dW2, db2 = np.zeros((D, H)), np.zeros(H), np.zeros((H, C)), np.zeros(C)
    total = 0.0
    for n in range(N):
        z = [sum(x[n, d] * W1[d, j] for d in range(D)) + b1[j] for j in range(H)]
        h = [max(zj, 0.0) for zj in z]
        logits = [sum(h[j] * W2[j, c] for j in range(H)) + b2[c] for c in range(C)]
        top = max(logits)
        log_norm = top + math.log(sum(math.exp(l - top) for l in logits))
        total += log_norm - logits[y[n]]
        dlogits = [math.exp(l - log_norm) - (1.0 if c == y[n] else 0.0) for c, l in enumerate(logits)]
        for c in range(C):
            db2[c] += dlogits[c] / N
            for j in range(H):
                dW2[j, c] += h[j] * dlogits[c] / N
        for j in range(H):
            if z[j] <= 0.0:
                continue                                  # ReLU'(0) = 0
            dz = sum(dlogits[c] * W2[j, c] for c in range(C)) / N
            db1[j] += dz
            for d in range(D):
                dW1[d, j] += x[n, d] * dz
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    return total / N, {k: g.astype(dtype) for k, g in grads.items()}


def mlp_train_step(x, y, W1, b1, W2, b2, lr=1e-2):
    loss, grads = mlp_loss_and_grads(x, y, W1, b1, W2, b2)
    W1 -= lr * grads["W1"]
    b1 -= lr * grads["b1"]
    W2 -= lr * grads["W2"]
    b2 -= lr * grads["b2"]
    return loss
