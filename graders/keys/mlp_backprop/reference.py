"""Reference solution of the `mlp_backprop` kata: loss and gradients of a 2-layer ReLU MLP with a
mean softmax cross-entropy, and one in-place SGD step.

Computes in float64 and returns gradients in the inputs' floating dtype; the loss is a Python float.
ReLU'(0) = 0. The log-softmax is shifted by each row's max, with no epsilon inside a log.
"""

import numpy as np

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def _float_dtype(*arrays):
    """The dtype the gradients keep: the result type of the inputs, float64 if none is floating."""
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def log_softmax(logits):
    """log softmax over the last axis, exact for logits of any magnitude: z - max - log(sum(exp(z - max)))."""
    shifted = logits - logits.max(axis=-1, keepdims=True)          # (N, C), each row's max is 0
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))   # the sum is >= 1


def _loss_and_grads64(x, y, W1, b1, W2, b2):
    """The loss and the float64 gradients {"W1", "b1", "W2", "b2"}, computed in float64."""
    x, W1, b1, W2, b2 = (np.asarray(a, dtype=np.float64) for a in (x, W1, b1, W2, b2))
    y = np.asarray(y)
    N = x.shape[0]
    rows = np.arange(N)

    # forward
    z1 = x @ W1 + b1                                  # (N, H) pre-activations
    h = np.maximum(z1, 0.0)                           # (N, H)
    logits = h @ W2 + b2                              # (N, C)
    logp = log_softmax(logits)                        # (N, C)
    loss = -logp[rows, y].mean()

    # backward: d loss / d logits of the mean cross-entropy is (softmax - onehot) / N
    dlogits = np.exp(logp)                            # (N, C) softmax
    dlogits[rows, y] -= 1.0
    dlogits /= N
    dW2 = h.T @ dlogits                               # (H, C)
    db2 = dlogits.sum(axis=0)                         # (C,)
    dh = dlogits @ W2.T                               # (N, H)
    dz1 = np.where(z1 > 0, dh, 0.0)                   # (N, H), ReLU'(0) = 0
    dW1 = x.T @ dz1                                   # (D, H)
    db1 = dz1.sum(axis=0)                             # (H,)

    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def mlp_loss_and_grads(x, y, W1, b1, W2, b2):
    """Mean softmax cross-entropy of relu(x @ W1 + b1) @ W2 + b2 against labels y, and its gradients.

    x: (N, D); y: int (N,) in [0, C); W1: (D, H); b1: (H,); W2: (H, C); b2: (C,).
    Returns (loss: float, {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}), the gradients in
    the inputs' float dtype."""
    dtype = _float_dtype(x, W1, b1, W2, b2)
    loss, grads = _loss_and_grads64(x, y, W1, b1, W2, b2)
    return loss, {name: g.astype(dtype, copy=False) for name, g in grads.items()}


def mlp_train_step(x, y, W1, b1, W2, b2, lr=1e-2):
    """One SGD step: every parameter p becomes p - lr * dL/dp in place (all gradients taken at the
    parameters before the step). Returns the loss before the step."""
    loss, grads = _loss_and_grads64(x, y, W1, b1, W2, b2)
    for param, name in zip((W1, b1, W2, b2), PARAM_NAMES):
        param[...] = param - lr * grads[name]         # in place (the caller's array), rounded once
    return loss
