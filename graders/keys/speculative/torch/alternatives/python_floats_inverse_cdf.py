"""Correct: tensors only at the edges. Probabilities become lists of Python floats (.tolist()), every
draw is one uniform torch.rand(1, generator=rng).item() fed to a hand-rolled inverse CDF, and the
accept test divides, u < min(1, p/q), at the drafted token only."""

import torch


def uniform(rng):
    return torch.rand(1, generator=rng, dtype=torch.float64).item()


def sample_index(probs, rng):
    """Inverse CDF over a list of floats: the first index whose running sum exceeds u * total."""
    u = uniform(rng) * sum(probs)
    running, last_positive = 0.0, 0
    for i, x in enumerate(probs):
        if x > 0:
            last_positive = i
            running += x
            if u < running:
                return i
    return last_positive                                 # u within rounding of the total


def residual_index(p, q, rng):
    residual = [max(0.0, a - b) for a, b in zip(p, q)]
    return sample_index(residual if sum(residual) > 0 else p, rng)


def sample_from_residual(p_target, p_draft, rng):
    return residual_index(p_target.tolist(), p_draft.tolist(), rng)


def speculative_step(prefix, draft_model, target_model, k, rng):
    out = list(prefix)
    drafts, draft_rows = [], []
    for _ in range(k):
        q = draft_model(out + drafts).tolist()
        drafts.append(sample_index(q, rng))
        draft_rows.append(q)
    p = target_model.batch_next_token_dist(list(prefix), list(drafts)).tolist()
    for i, t in enumerate(drafts):
        if uniform(rng) < min(1.0, p[i][t] / draft_rows[i][t]):
            out.append(t)
        else:
            out.append(residual_index(p[i], draft_rows[i], rng))
            return out
    out.append(sample_index(p[k], rng))
    return out
