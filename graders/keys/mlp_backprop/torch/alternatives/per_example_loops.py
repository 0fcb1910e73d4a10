"""Correct: one example at a time in a Python loop, float64 inside, each example's log-sum-exp with
math.log on a Python float, the gradients of the mean loss accumulated with torch.outer, the update
written as W -= lr * g."""

import math

import torch


def mlp_loss_and_grads(x, y, W1, b1, W2, b2):
    dtype = x.dtype
    x, W1, b1, W2, b2 = (t.double() for t in (x, W1, b1, W2, b2))
    N = x.shape[0]
    dW1, db1 = torch.zeros_like(W1), torch.zeros_like(b1)
    dW2, db2 = torch.zeros_like(W2), torch.zeros_like(b2)
    total = 0.0
    for n in range(N):
        label = int(y[n])
        z = x[n] @ W1 + b1                                    # (H,)
        h = z.clamp(min=0.0)
        logits = h @ W2 + b2                                  # (C,)
        top = float(logits.max())
        log_norm = top + math.log(float(torch.exp(logits - top).sum()))
        total += log_norm - float(logits[label])
        dlogits = torch.exp(logits - log_norm)                # softmax
        dlogits[label] -= 1.0
        dlogits /= N
        dW2 += torch.outer(h, dlogits)
        db2 += dlogits
        dz = (W2 @ dlogits) * (z > 0)                         # ReLU'(0) = 0
        dW1 += torch.outer(x[n], dz)
        db1 += dz
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    return total / N, {k: g.to(dtype) for k, g in grads.items()}


def mlp_train_step(x, y, W1, b1, W2, b2, lr=1e-2):
    loss, grads = mlp_loss_and_grads(x, y, W1, b1, W2, b2)
    W1 -= lr * grads["W1"]
    b1 -= lr * grads["b1"]
    W2 -= lr * grads["W2"]
    b2 -= lr * grads["b2"]
    return loss
