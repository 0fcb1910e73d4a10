"""Correct: float64 inside, the shift by the max through torch.max(..., keepdim=True).values, the counted
rows selected with torch.where on a mask, the gradient scattered with scatter_add_ on a fresh tensor."""

import torch


def log_softmax(x, axis=-1):
    z = x.double()
    z = z - torch.max(z, dim=axis, keepdim=True).values
    return (z - z.exp().sum(dim=axis, keepdim=True).log()).to(x.dtype)


def softmax(x, axis=-1):
    return log_softmax(x.double(), axis).exp().to(x.dtype)


def _check(logits, labels, ignore_index):
    V = logits.shape[-1]
    if labels.shape != logits.shape[:-1]:
        raise ValueError(f"labels {tuple(labels.shape)} vs logits {tuple(logits.shape)}")
    keep = labels != ignore_index if ignore_index is not None else torch.ones_like(labels, dtype=torch.bool)
    if bool(torch.where(keep, (labels < 0) | (labels >= V), torch.zeros_like(keep)).any()):
        raise ValueError("label out of range")
    return keep


def cross_entropy(logits, labels, ignore_index=None):
    keep = _check(logits, labels, ignore_index)
    n = int(keep.sum())
    if n == 0:
        return 0.0
    logp = log_softmax(logits.double())                                     # (..., V)
    safe = torch.where(keep, labels, torch.zeros_like(labels))             # ignored -> class 0, then dropped
    picked = logp.gather(-1, safe.unsqueeze(-1)).squeeze(-1)                # (...)
    return float(-torch.where(keep, picked, torch.zeros_like(picked)).sum() / n)


def cross_entropy_grad(logits, labels, ignore_index=None):
    keep = _check(logits, labels, ignore_index)
    n = int(keep.sum())
    if n == 0:
        return torch.zeros_like(logits)
    p = softmax(logits.double())
    safe = torch.where(keep, labels, torch.zeros_like(labels))
    onehot = torch.zeros_like(p).scatter_add_(-1, safe.unsqueeze(-1), torch.ones_like(p[..., :1]))
    grad = (p - onehot) * keep.unsqueeze(-1) / n
    return grad.to(logits.dtype)
