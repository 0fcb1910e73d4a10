"""Mutant: log(sum(exp(x))) with no max shift: exp overflows to inf at 1e4 and underflows far below 0."""

import torch


def logsumexp(x, axis=-1):
    return torch.log(torch.exp(x).sum(dim=axis))
