"""Correct: plain Python loops and a hand-rolled inverse-CDF sampler (one rng.random() per sample);
the accept test divides, u < min(1, p/q), at the drafted token only."""

import numpy as np


def sample_index(probs, rng):
    """Inverse CDF: the first index whose running sum exceeds u * total (zero-probability tokens are skipped)."""
    total = sum(float(x) for x in probs)
    u = rng.random() * total
    running = 0.0
    last_positive = 0
    for i, x in enumerate(probs):
        if x > 0:
            last_positive = i
            running += float(x)
            if u < running:
                return i
    return last_positive                                 # u within rounding of the total


def sample_from_residual(p_target, p_draft, rng):
    residual = [max(0.0, float(a) - float(b)) for a, b in zip(p_target, p_draft)]
    if sum(residual) == 0.0:
        return sample_index(p_target, rng)
    return sample_index(residual, rng)


def speculative_step(prefix, draft_model, target_model, k, rng):
    out = list(prefix)
    drafts, draft_dists = [], []
    for _ in range(k):
        q = draft_model(out + drafts)
        drafts.append(sample_index(q, rng))
        draft_dists.append(q)
    p = target_model.batch_next_token_dist(list(prefix), list(drafts))
    for i in range(k):
        t = drafts[i]
        ratio = float(p[i][t]) / float(draft_dists[i][t])
        if rng.random() < min(1.0, ratio):
            out.append(t)
        else:
            out.append(sample_from_residual(p[i], draft_dists[i], rng))
            return out
    out.append(sample_index(p[k], rng))
    return out
