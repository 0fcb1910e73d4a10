"""Correct: Gumbel-max sampling (argmax of log p + Gumbel noise from V uniforms of the generator), the
residual built with torch.where, and the accept test in log space, log u < log p - log q (torch.log(0)
is -inf, without a warning)."""

import torch


def gumbel_sample(probs, rng):
    u = torch.rand(probs.shape, generator=rng, dtype=torch.float64)      # (V,) in [0, 1)
    gumbel = -torch.log(-torch.log(u))                                   # u = 0 gives -inf: never the argmax
    return int(torch.argmax(torch.log(probs.double()) + gumbel))


def sample_from_residual(p_target, p_draft, rng):
    diff = p_target.double() - p_draft.double()
    residual = torch.where(diff > 0, diff, torch.zeros_like(diff))
    return gumbel_sample(residual if bool((residual > 0).any()) else p_target, rng)


def speculative_step(prefix, draft_model, target_model, k, rng):
    drafts, qs = [], []
    for _ in range(k):
        q = draft_model(list(prefix) + drafts).double()
        drafts.append(gumbel_sample(q, rng))
        qs.append(q)
    p = target_model.batch_next_token_dist(list(prefix), drafts).double()    # (k+1, V)
    new = []
    for i, t in enumerate(drafts):
        log_ratio = torch.log(p[i, t]) - torch.log(qs[i][t])                  # q[t] > 0; p[t] = 0 gives -inf
        log_u = torch.log1p(-torch.rand((), generator=rng, dtype=torch.float64))   # log(1 - u), finite
        if log_u < torch.clamp(log_ratio, max=0.0):
            new.append(t)
        else:
            new.append(sample_from_residual(p[i], qs[i], rng))
            break
    else:
        new.append(gumbel_sample(p[k], rng))
    return list(prefix) + new
