"""Correct: small layer objects with forward/backward (Linear with the bias folded into the weights
by a column of ones, ReLU, softmax cross-entropy), float64 inside; the train step recomputes
everything and updates each layer as soon as its gradient is known, but only after the gradient
flowing into the layer below has been computed with the old weights."""

import numpy as np


class Linear:
    def __init__(self, W, b):
        self.Wb = np.vstack([W, b[None, :]]).astype(np.float64)     # (in + 1, out): bias as the last row

    def forward(self, x):
        self.x1 = np.hstack([x, np.ones((x.shape[0], 1))])          # (N, in + 1)
        return self.x1 @ self.Wb

    def backward(self, dout):
        """-> (d input, d W, d b), all from the weights as they were in forward."""
        dWb = self.x1.T @ dout
        return dout @ self.Wb[:-1].T, dWb[:-1], dWb[-1]


class ReLU:
    def forward(self, z):
        self.on = z > 0
        return z * self.on

    def backward(self, dout):
        return dout * self.on


def softmax_cross_entropy(logits, y):
    """-> (mean loss, d loss / d logits)."""
    N = logits.shape[0]
    m = logits.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    loss = np.mean(lse - logits[np.arange(N), y])
    dlogits = np.exp(logits - lse[:, None])
    dlogits[np.arange(N), y] -= 1
    return loss, dlogits / N


def forward(x, y, W1, b1, W2, b2):
    l1, act, l2 = Linear(W1, b1), ReLU(), Linear(W2, b2)
    loss, dlogits = softmax_cross_entropy(l2.forward(act.forward(l1.forward(x.astype(np.float64)))), y)
    return loss, dlogits, l1, act, l2


def mlp_loss_and_grads(x, y, W1, b1, W2, b2):
    loss, dlogits, l1, act, l2 = forward(x, y, W1, b1, W2, b2)
    dh, dW2, db2 = l2.backward(dlogits)
    _, dW1, db1 = l1.backward(act.backward(dh))
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    return float(loss), {k: v.astype(x.dtype) for k, v in grads.items()}


def mlp_train_step(x, y, W1, b1, W2, b2, lr=1e-2):
    loss, dlogits, l1, act, l2 = forward(x, y, W1, b1, W2, b2)
    dh, dW2, db2 = l2.backward(dlogits)
    W2[...] = W2 - lr * dW2                                       # safe: dh already used the old W2
    b2[...] = b2 - lr * db2
    _, dW1, db1 = l1.backward(act.backward(dh))
    W1[...] = W1 - lr * dW1
    b1[...] = b1 - lr * db1
    return float(loss)
