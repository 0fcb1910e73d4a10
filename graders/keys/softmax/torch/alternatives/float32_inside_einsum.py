"""Correct: arithmetic in the input's own dtype (float32 stays float32 inside), the label's log-probability
picked with an einsum against a one-hot, -inf entries zeroed first so that no (-inf) * 0 is formed."""

import torch
import torch.nn.functional as F


def _logsumexp(x, axis):
    m = x.amax(dim=axis, keepdim=True)
    return m + torch.log(torch.exp(x - m).sum(dim=axis, keepdim=True))


def softmax(x, axis=-1):
    return torch.exp(x - _logsumexp(x, axis))


def log_softmax(x, axis=-1):
    return x - _logsumexp(x, axis)


def _counted(logits, labels, ignore_index):
    V = logits.shape[-1]
    if tuple(labels.shape) != tuple(logits.shape[:-1]):
        raise ValueError("labels must have the leading shape of the logits")
    z, y = logits.reshape(-1, V), labels.reshape(-1)
    keep = torch.ones_like(y, dtype=torch.bool) if ignore_index is None else y != ignore_index
    if bool(((y[keep] < 0) | (y[keep] >= V)).any()):
        raise ValueError(f"a label is outside [0, {V})")
    return z, y, keep


def cross_entropy(logits, labels, ignore_index=None):
    z, y, keep = _counted(logits, labels, ignore_index)
    n = int(keep.sum())
    if n == 0:
        return 0.0
    logp = log_softmax(z[keep].double())                                    # (n, V)
    onehot = F.one_hot(y[keep], z.shape[-1]).to(logp.dtype)                 # (n, V)
    finite = torch.where(torch.isinf(logp), torch.zeros_like(logp), logp)  # the labels sit on finite logits
    return -torch.einsum("nv,nv->", onehot, finite).item() / n


def cross_entropy_grad(logits, labels, ignore_index=None):
    z, y, keep = _counted(logits, labels, ignore_index)
    n = int(keep.sum())
    if n == 0:
        return torch.zeros_like(logits)
    onehot = F.one_hot(y.clamp(0, z.shape[-1] - 1), z.shape[-1]).to(z.dtype)
    grad = (softmax(z) - onehot) * keep.unsqueeze(1).to(z.dtype) / n
    return grad.reshape(logits.shape)
