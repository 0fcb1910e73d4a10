"""Draws one uniform per step and reuses it for every draft's accept test: later acceptances are correlated with earlier ones."""

import numpy as np


def sample_from_residual(p_target, p_draft, rng):
    residual = np.maximum(p_target - p_draft, 0.0)
    total = residual.sum()
    if total <= 0:
        return int(rng.choice(len(p_target), p=p_target))
    return int(rng.choice(len(residual), p=residual / total))


def speculative_step(prefix, draft_model, target_model, k, rng):
    tokens = list(prefix)
    drafts, qs = [], []
    for _ in range(k):
        q = np.asarray(draft_model(tokens + drafts))
        drafts.append(int(rng.choice(len(q), p=q)))
        qs.append(q)
    p = np.asarray(target_model.batch_next_token_dist(prefix, drafts))
    u = rng.random()
    for i, t in enumerate(drafts):
        if u < min(1.0, p[i][t] / qs[i][t]):
            tokens.append(t)
        else:
            tokens.append(sample_from_residual(p[i], qs[i], rng))
            return tokens
    tokens.append(int(rng.choice(p.shape[1], p=p[k])))
    return tokens
