"""Correct: the smoothed target as a tensor in the logits' own dtype; -sum(target * logp) with the product
taken only where the target is positive (torch.where), so eps = 0 never forms 0 * (-inf)."""

import torch


def _prepare(logits, labels, ignore_index, label_smoothing):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    V = logits.shape[-1]
    z, y = logits.reshape(-1, V), labels.reshape(-1)                # (N, V), (N,)
    keep = torch.ones_like(y, dtype=torch.bool) if ignore_index is None else y != ignore_index
    if bool((keep & ((y < 0) | (y >= V))).any()):
        raise ValueError("label out of range")
    z, y = z[keep], y[keep]                                          # (n, V), (n,)
    target = torch.full(z.shape, label_smoothing / V, dtype=z.dtype)
    target[torch.arange(len(y)), y] += 1 - label_smoothing
    shifted = z - z.amax(dim=-1, keepdim=True)
    logp = shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))
    return keep, target, logp


def cross_entropy(logits, labels, ignore_index=None, label_smoothing=0.0):
    keep, target, logp = _prepare(logits, labels, ignore_index, label_smoothing)
    if not bool(keep.any()):
        return 0.0
    terms = torch.where(target > 0, target * logp, torch.zeros_like(logp))
    return float(-terms.sum() / keep.sum())


def cross_entropy_grad(logits, labels, ignore_index=None, label_smoothing=0.0):
    keep, target, logp = _prepare(logits, labels, ignore_index, label_smoothing)
    grad = torch.zeros(logits.reshape(-1, logits.shape[-1]).shape, dtype=logits.dtype)
    if bool(keep.any()):
        grad[keep] = (torch.exp(logp) - target) / keep.sum()
    return grad.reshape(logits.shape)
