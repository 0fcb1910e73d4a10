"""Mutant: returns the result with keepdim=True: the reduced dimension is still there (size 1)."""

import torch


def logsumexp(x, axis=-1):
    m = x.amax(dim=axis, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    return m + torch.log(torch.exp(x - m).sum(dim=axis, keepdim=True))
