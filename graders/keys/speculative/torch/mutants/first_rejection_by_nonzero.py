"""Mutant: the first rejection as (~accepted).nonzero()[0], an IndexError when every draft is accepted."""

import torch


def sample32(probs, rng):
    """A 0-d int64 tensor drawn from the (V,) weights by inverse CDF in float32."""
    cdf = torch.cumsum(probs.to(torch.float32), dim=0)                           # (V,)
    u = torch.rand(1, generator=rng, dtype=torch.float32) * cdf[-1]              # in [0, total]
    i = torch.searchsorted(cdf, u, right=True)[0]                                # skips zero-probability tokens
    last_with_mass = torch.nonzero(probs > 0)[-1, 0]
    return torch.minimum(i, last_with_mass)                                      # u rounded up to the total


def sample_from_residual(p_target, p_draft, rng):
    residual = torch.clamp(p_target.to(torch.float32) - p_draft.to(torch.float32), min=0.0)
    return sample32(residual if bool(residual.any()) else p_target, rng)


def speculative_step(prefix, draft_model, target_model, k, rng):
    context = torch.tensor(list(prefix), dtype=torch.int64)                     # (len(prefix),)
    drafts = torch.zeros(k, dtype=torch.int64)                                   # (k,)
    rows = []
    for i in range(k):
        q = draft_model(torch.cat([context, drafts[:i]])).to(torch.float32)      # (V,)
        rows.append(q)
        drafts[i] = sample32(q, rng)
    P = target_model.batch_next_token_dist(list(prefix), drafts.tolist()).to(torch.float32)   # (k+1, V)
    Q = torch.stack(rows) if k else P[:0]                                        # (k, V)
    u = torch.rand(k, generator=rng, dtype=torch.float32)                        # (k,)
    p_tok = P[:k].gather(1, drafts[:, None])[:, 0]                               # (k,)
    q_tok = Q.gather(1, drafts[:, None])[:, 0]                                   # (k,), > 0: drawn from Q
    accepted = u * q_tok < p_tok                                                 # u < min(1, p/q)
    n = int((~accepted).nonzero()[0, 0])                                         # the first rejection
    new = list(drafts[:n].unbind())
    new.append(sample_from_residual(P[n], Q[n], rng) if n < k else sample32(P[k], rng))
    return list(prefix) + new
