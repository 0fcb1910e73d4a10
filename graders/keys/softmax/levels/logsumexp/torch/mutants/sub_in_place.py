"""Mutant: x.sub_(m) on the caller's tensor to save a copy."""

import torch


def logsumexp(x, axis=-1):
    m = x.amax(dim=axis, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    x.sub_(m)
    return m.squeeze(axis) + torch.log(torch.exp(x).sum(dim=axis))
