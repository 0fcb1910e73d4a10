"""Mutant: `.double()` on the way in and the gradients never cast back: float32 in gives float64 out."""

import functools

import torch

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def _float_dtype(*tensors):
    """The dtype the gradients keep: the promoted dtype of the inputs, float64 if none is floating."""
    dtype = functools.reduce(torch.promote_types, (t.dtype for t in tensors))
    return dtype if dtype.is_floating_point else torch.float64


def log_softmax(logits):
    """log softmax over the last dim, exact for logits of any magnitude: z - max - log(sum(exp(z - max)))."""
    shifted = logits - logits.amax(dim=-1, keepdim=True)            # (N, C), each row's max is 0
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))   # the sum is >= 1


def _loss_and_grads64(x, y, W1, b1, W2, b2):
    """The loss and the float64 gradients {"W1", "b1", "W2", "b2"}, computed in float64."""
    x, W1, b1, W2, b2 = (t.to(torch.float64) for t in (x, W1, b1, W2, b2))
    N = x.shape[0]
    rows = torch.arange(N)

    # forward
    z1 = x @ W1 + b1                                    # (N, H) pre-activations
    h = torch.clamp(z1, min=0.0)                        # (N, H)
    logits = h @ W2 + b2                                # (N, C)
    logp = log_softmax(logits)                          # (N, C)
    loss = -logp[rows, y].mean()

    # backward: d loss / d logits of the mean cross-entropy is (softmax - onehot) / N
    dlogits = torch.exp(logp)                           # (N, C) softmax, a new tensor
    dlogits[rows, y] -= 1.0
    dlogits /= N
    dW2 = h.T @ dlogits                                 # (H, C)
    db2 = dlogits.sum(dim=0)                            # (C,)
    dh = dlogits @ W2.T                                 # (N, H)
    dz1 = torch.where(z1 > 0, dh, 0.0)                  # (N, H), ReLU'(0) = 0
    dW1 = x.T @ dz1                                     # (D, H)
    db1 = dz1.sum(dim=0)                                # (H,)

    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def mlp_loss_and_grads(x, y, W1, b1, W2, b2):
    """Mean softmax cross-entropy of relu(x @ W1 + b1) @ W2 + b2 against labels y, and its gradients.

    x: (N, D); y: int64 (N,) in [0, C); W1: (D, H); b1: (H,); W2: (H, C); b2: (C,).
    Returns (loss: float, {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}), the gradients in
    the inputs' float dtype."""
    dtype = _float_dtype(x, W1, b1, W2, b2)
    loss, grads = _loss_and_grads64(x, y, W1, b1, W2, b2)
    return loss, grads


def mlp_train_step(x, y, W1, b1, W2, b2, lr=1e-2):
    """One SGD step: every parameter p becomes p - lr * dL/dp in place (all gradients taken at the
    parameters before the step). Returns the loss before the step."""
    loss, grads = _loss_and_grads64(x, y, W1, b1, W2, b2)
    for param, name in zip((W1, b1, W2, b2), PARAM_NAMES):
        param.copy_(param.to(torch.float64) - lr * grads[name])    # in place (the caller's tensor), rounded once
    return loss
