"""Correct: the max shift in the input's own dtype, non-finite maxima replaced by 0 with torch.where."""

import torch


def logsumexp(x, axis=-1):
    m = x.amax(dim=axis, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    return torch.log(torch.exp(x - m).sum(dim=axis)) + m.squeeze(axis)
