"""Mutant: the textbook max shift with no guard: an all -inf row, or a +inf entry, gives inf - inf = NaN."""

import torch


def logsumexp(x, axis=-1):
    m = x.amax(dim=axis, keepdim=True)
    return m.squeeze(axis) + torch.log(torch.exp(x - m).sum(dim=axis))
