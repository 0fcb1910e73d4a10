"""Correct: float32 throughout the sampler (softmax, a stable descending sort, filters, cumulative sums,
min-p as the count of sorted probabilities >= min_p * the first, a float32 uniform from the generator
for an inverse CDF with torch.searchsorted)."""

import torch


def softmax32(x):
    e = torch.exp(x - x.max())
    return e / e.sum()


def sample(logits, temperature=1.0, top_k=None, top_p=None, min_p=None, rng=None):
    x = logits.to(torch.float32)
    if torch.isnan(x).any():
        raise ValueError("logits must not contain NaN")
    if temperature < 0:
        raise ValueError("negative temperature")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k < 1")
    if top_p is not None and (top_p <= 0 or top_p > 1):
        raise ValueError("top_p outside (0, 1]")
    if min_p is not None and (min_p < 0 or min_p > 1):
        raise ValueError("min_p outside [0, 1]")
    if temperature == 0:
        return torch.argmax(x)                               # a 0-d int64 tensor

    probs = softmax32(x / temperature)                       # a new tensor: x is never written
    p, order = torch.sort(probs, descending=True, stable=True)   # p: sorted, float32, our own
    if top_k is not None:
        p[top_k:] = 0
        p /= p.sum()
    if top_p is not None:
        cum = torch.cumsum(p, dim=0)
        last = int(torch.searchsorted(cum, torch.tensor([top_p], dtype=torch.float32)))  # first cum >= top_p
        p[last + 1:] = 0
        p /= p.sum()
    if min_p is not None:
        kept = int((p >= min_p * p[0]).sum())                # p is sorted: the kept ones come first
        p[kept:] = 0
        p /= p.sum()

    cdf = torch.cumsum(p, dim=0)
    u = torch.rand(1, dtype=torch.float32, generator=rng) * cdf[-1]
    i = int(torch.searchsorted(cdf, u, right=True))
    i = min(i, int(torch.nonzero(p)[-1]))                    # float32 rounding of u * cdf[-1]
    return order[i]                                          # a 0-d int64 tensor
