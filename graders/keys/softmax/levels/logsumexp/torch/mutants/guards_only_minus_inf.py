"""Mutant: guards an all -inf slice but not a +inf entry: inf - inf = NaN there."""

import torch


def logsumexp(x, axis=-1):
    m = x.amax(dim=axis, keepdim=True)
    m = torch.where(m == float("-inf"), torch.zeros_like(m), m)
    return m.squeeze(axis) + torch.log(torch.exp(x - m).sum(dim=axis))
