"""Mutant: .double() for accuracy, never cast back: float32 in, float64 out."""

import torch


def logsumexp(x, axis=-1):
    z = x.double()
    m = z.amax(dim=axis, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    return m.squeeze(axis) + torch.log(torch.exp(z - m).sum(dim=axis))
