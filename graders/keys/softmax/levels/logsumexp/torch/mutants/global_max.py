"""Mutant: shifts by the max of the whole tensor, not of each slice: a row far below it underflows to -inf."""

import torch


def logsumexp(x, axis=-1):
    m = x.max()
    if not torch.isfinite(m):
        m = torch.zeros_like(m)
    return torch.log(torch.exp(x - m).sum(dim=axis)) + m
