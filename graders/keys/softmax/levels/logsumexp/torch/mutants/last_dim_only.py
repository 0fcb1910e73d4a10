"""Mutant: ignores `axis` and always reduces the last dimension (dim=-1)."""

import torch


def logsumexp(x, axis=-1):
    m = x.amax(dim=-1, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    return m.squeeze(-1) + torch.log(torch.exp(x - m).sum(dim=-1))
