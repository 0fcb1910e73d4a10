"""Correct: filters as boolean masks combined with torch.where in logit space (top-k by the k first of a
stable sort, top-p from the exclusive cumsum of the renormalised top-k, min-p as scaled - max >=
log(min_p) on the tokens still kept), then Gumbel-max: the argmax of the kept logits plus
-log(-log(u)) noise, u from torch.rand with the generator."""

import math

import torch


def sample(logits, temperature=1.0, top_k=None, top_p=None, min_p=None, rng=None):
    if torch.isnan(logits).any():
        raise ValueError("NaN in logits")
    if (temperature < 0 or (top_k is not None and top_k < 1) or (top_p is not None and not 0 < top_p <= 1)
            or (min_p is not None and not 0 <= min_p <= 1)):
        raise ValueError(f"bad arguments: temperature={temperature}, top_k={top_k}, top_p={top_p}, min_p={min_p}")
    if temperature == 0 or top_k == 1:
        return int(torch.argmax(logits))

    V = logits.shape[0]
    scaled = logits.to(torch.float64) / temperature                    # (V,) a new tensor
    order = torch.argsort(scaled, descending=True, stable=True)         # (V,) most probable first
    rank = torch.empty_like(order).scatter_(0, order, torch.arange(V))  # rank[token]: its place in order
    kept = torch.ones(V, dtype=torch.bool)
    if top_k is not None:
        kept = rank < top_k
    if top_p is not None:
        masked = torch.where(kept, scaled, -torch.inf)
        probs = torch.exp(masked - masked.max())
        probs = probs / probs.sum()                                     # the renormalised top-k
        sorted_probs = probs[order]
        before = torch.cumsum(sorted_probs, dim=0) - sorted_probs       # mass of the tokens ahead
        kept = kept & (before < top_p)[rank]
    if min_p:                                                           # None or 0: nothing to cut
        kept = kept & (scaled - scaled.max() >= math.log(min_p))        # the max always stays

    u = torch.rand(V, dtype=torch.float64, generator=rng)               # [0, 1): u = 0 gives -inf noise
    noisy = torch.where(kept, scaled, -torch.inf) - torch.log(-torch.log(u))
    return int(torch.argmax(noisy))
