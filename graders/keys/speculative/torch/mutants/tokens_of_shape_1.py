"""Mutant: tokens are torch.multinomial(q, 1)'s (1,)-shaped results, not ints or 0-d tensors."""

import torch


def _sample(probs, rng):
    """One index drawn from the (V,) non-negative weights `probs` (multinomial normalises them)."""
    return torch.multinomial(probs, 1, generator=rng)


def sample_from_residual(p_target, p_draft, rng):
    """One token from max(0, p_target - p_draft) renormalised; from p_target when that is all zero.

    p_target, p_draft: (V,) probability tensors; rng: torch.Generator. Returns an int in [0, V)."""
    p_target = p_target.to(torch.float64)                            # (V,)
    residual = (p_target - p_draft.to(torch.float64)).clamp(min=0.0)  # (V,) a new tensor: the mass q lacks
    return _sample(residual if residual.sum() > 0 else p_target, rng)  # all zero only when q >= p


def draft_tokens(prefix, draft_model, k, rng):
    """k tokens sampled autoregressively from the draft -> (drafts, their draft distributions k x (V,))."""
    drafts, dists = [], []
    for _ in range(k):
        q = draft_model(prefix + drafts).to(torch.float64)           # (V,) p_draft(. | prefix + drafts)
        drafts.append(_sample(q, rng))
        dists.append(q)
    return drafts, dists


def speculative_step(prefix, draft_model, target_model, k, rng):
    """One speculative decoding step -> a new list: prefix, then the 1 to k+1 tokens produced.

    draft_model(tokens) -> (V,); target_model.batch_next_token_dist(prefix, drafts) -> (k+1, V),
    row i = p_target(. | prefix + drafts[:i]). `prefix` is not modified."""
    prefix = list(prefix)
    drafts, q = draft_tokens(prefix, draft_model, k, rng)                       # k tokens, k x (V,)
    p = target_model.batch_next_token_dist(prefix, drafts).to(torch.float64)    # (k+1, V), one call
    out = list(prefix)
    for i, t in enumerate(drafts):
        # Accept with probability min(1, p/q). q[i][t] > 0: t was drawn from q[i]. Comparing
        # u * q < p avoids the division (u < 1, so a ratio >= 1 always accepts).
        u = torch.rand((), generator=rng, dtype=torch.float64)
        if u * q[i][t] < p[i, t]:
            out.append(t)
        else:
            out.append(sample_from_residual(p[i], q[i], rng))                   # rejected: correct and stop
            return out
    out.append(_sample(p[k], rng))                                              # all k accepted: bonus, row k
    return out
