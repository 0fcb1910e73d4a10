"""Mutant: label_smoothing is never checked: 1.5 or -0.1 give a number."""

import torch


def _log_softmax(z):
    shifted = z - z.amax(dim=-1, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))


def _counted(logits, labels, ignore_index, label_smoothing):
    V = logits.shape[-1]
    z = logits.reshape(-1, V).to(torch.float64)                    # (N, V)
    y = labels.reshape(-1)                                          # (N,)
    keep = torch.ones_like(y, dtype=torch.bool) if ignore_index is None else y != ignore_index
    if bool((keep & ((y < 0) | (y >= V))).any()):
        raise ValueError(f"labels must be in [0, {V}) unless ignored")
    return z, y, keep


def cross_entropy(logits, labels, ignore_index=None, label_smoothing=0.0):
    z, y, keep = _counted(logits, labels, ignore_index, label_smoothing)
    n = int(keep.sum())
    if n == 0:
        return 0.0
    logp = _log_softmax(z[keep])                                    # (n, V)
    nll = -logp.gather(1, y[keep].unsqueeze(1)).squeeze(1)          # (n,)
    loss = (1 - label_smoothing) * nll.sum()
    if label_smoothing > 0:
        loss = loss + label_smoothing * -logp.mean(dim=-1).sum()
    return float(loss / n)


def cross_entropy_grad(logits, labels, ignore_index=None, label_smoothing=0.0):
    z, y, keep = _counted(logits, labels, ignore_index, label_smoothing)
    V = z.shape[-1]
    n = int(keep.sum())
    grad = torch.zeros_like(z)
    if n:
        target = torch.full((n, V), label_smoothing / V, dtype=torch.float64)
        target[torch.arange(n), y[keep]] += 1 - label_smoothing
        grad[keep] = torch.exp(_log_softmax(z[keep])) - target
        grad = grad / n
    return grad.reshape(logits.shape).to(logits.dtype)
