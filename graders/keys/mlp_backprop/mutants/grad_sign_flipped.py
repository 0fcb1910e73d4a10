"""d loss / d logits taken as onehot - softmax: every gradient has the wrong sign."""

import numpy as np


def mlp_loss_and_grads(x, y, W1, b1, W2, b2):
    N = x.shape[0]
    z1 = x @ W1 + b1                                   # (N, H)
    h = np.maximum(z1, 0)                              # (N, H)
    logits = h @ W2 + b2                               # (N, C)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].mean()

    dlogits = -np.exp(log_probs)                       # softmax, (N, C)
    dlogits[np.arange(N), y] += 1
    dlogits /= N
    dW2 = h.T @ dlogits                                # (H, C)
    db2 = dlogits.sum(axis=0)                          # (C,)
    dh = dlogits @ W2.T                                # (N, H)
    dz1 = dh * (z1 > 0)                                # (N, H)
    dW1 = x.T @ dz1                                    # (D, H)
    db1 = dz1.sum(axis=0)                              # (H,)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def mlp_train_step(x, y, W1, b1, W2, b2, lr=1e-2):
    loss, grads = mlp_loss_and_grads(x, y, W1, b1, W2, b2)
    W1 -= lr * grads["W1"]
    b1 -= lr * grads["b1"]
    W2 -= lr * grads["W2"]
    b2 -= lr * grads["b2"]
    return loss
