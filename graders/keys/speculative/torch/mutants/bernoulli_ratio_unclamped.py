"""Mutant: torch.bernoulli(p / q) without min(1, .): a ratio above 1 raises instead of accepting."""

import torch


def sample_from_residual(p_target, p_draft, rng):
    residual = torch.relu(p_target.double() - p_draft.double())                  # (V,), a new tensor
    total = residual.sum()
    probs = residual / total if total > 0 else p_target.double()
    return torch.multinomial(probs, 1, generator=rng).item()


def _verify(drafts, q_rows, p_rows, rng):
    """The tokens produced from the drafts still to check."""
    if not drafts:
        return [torch.multinomial(p_rows[0], 1, generator=rng).item()]         # bonus from the last row
    t, q, p = drafts[0], q_rows[0], p_rows[0]
    keep = torch.bernoulli(p[t] / q[t], generator=rng)
    if not keep:
        return [sample_from_residual(p, q, rng)]
    return [t] + _verify(drafts[1:], q_rows[1:], p_rows[1:], rng)


def speculative_step(prefix, draft_model, target_model, k, rng):
    drafts, q_rows = [], []
    while len(drafts) < k:
        q = draft_model([*prefix, *drafts]).double()
        q_rows.append(q)
        drafts.append(torch.multinomial(q, 1, generator=rng).item())
    p_rows = target_model.batch_next_token_dist(list(prefix), drafts).double()  # (k+1, V)
    return [*prefix, *_verify(drafts, q_rows, list(p_rows), rng)]
