"""Correct: small layer objects with forward/backward methods (Linear through torch.addmm, ReLU, softmax
cross-entropy; a `backward` method of their own: only a tensor's is forbidden), float64 inside; the train
step updates each layer as soon as its gradient is known, but only after the gradient flowing into the
layer below has been computed with the old weights."""

import torch


class Linear:
    def __init__(self, W, b):
        self.W, self.b = W.double(), b.double()

    def forward(self, x):
        self.x = x
        return torch.addmm(self.b, x, self.W)

    def backward(self, dout):
        """-> (d input, d W, d b), all from the weights as they were in forward."""
        return dout @ self.W.T, self.x.T @ dout, dout.sum(dim=0)


class ReLU:
    def forward(self, z):
        self.on = z > 0
        return z * self.on

    def backward(self, dout):
        return dout * self.on


def softmax_cross_entropy(logits, y):
    """-> (mean loss, d loss / d logits)."""
    N = logits.shape[0]
    rows = torch.arange(N)
    m = logits.amax(dim=1)
    lse = m + torch.log(torch.exp(logits - m[:, None]).sum(dim=1))       # (N,)
    loss = (lse - logits[rows, y]).mean()
    dlogits = torch.exp(logits - lse[:, None])
    dlogits[rows, y] -= 1.0
    return float(loss), dlogits / N


def _forward(x, y, W1, b1, W2, b2):
    l1, act, l2 = Linear(W1, b1), ReLU(), Linear(W2, b2)
    loss, dlogits = softmax_cross_entropy(l2.forward(act.forward(l1.forward(x.double()))), y)
    return loss, dlogits, l1, act, l2


def mlp_loss_and_grads(x, y, W1, b1, W2, b2):
    loss, dlogits, l1, act, l2 = _forward(x, y, W1, b1, W2, b2)
    dh, dW2, db2 = l2.backward(dlogits)
    _, dW1, db1 = l1.backward(act.backward(dh))
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    return loss, {k: v.to(x.dtype) for k, v in grads.items()}


def mlp_train_step(x, y, W1, b1, W2, b2, lr=1e-2):
    loss, dlogits, l1, act, l2 = _forward(x, y, W1, b1, W2, b2)
    dh, dW2, db2 = l2.backward(dlogits)
    W2.copy_(W2.double() - lr * dW2)                  # safe: dh was computed with the old W2
    b2.copy_(b2.double() - lr * db2)
    _, dW1, db1 = l1.backward(act.backward(dh))
    W1.copy_(W1.double() - lr * dW1)
    b1.copy_(b1.double() - lr * db1)
    return loss
