"""Records the draft probability of the PREVIOUS token (context[-1]) instead of the drafted token's, and divides by it."""

import numpy as np


def sample_from_residual(p_target, p_draft, rng):
    residual = np.maximum(p_target - p_draft, 0.0)
    total = residual.sum()
    if total <= 0:
        return int(rng.choice(len(p_target), p=p_target))
    return int(rng.choice(len(residual), p=residual / total))


def speculative_step(prefix, draft_model, target_model, k, rng):
    tokens = list(prefix)
    drafts, qs, q_of_draft = [], [], []
    for _ in range(k):
        context = tokens + drafts
        q = np.asarray(draft_model(context))
        q_of_draft.append(q[context[-1]])
        drafts.append(int(rng.choice(len(q), p=q)))
        qs.append(q)
    p = np.asarray(target_model.batch_next_token_dist(prefix, drafts))
    for i, t in enumerate(drafts):
        if q_of_draft[i] == 0 or rng.random() < min(1.0, p[i][t] / q_of_draft[i]):
            tokens.append(t)
        else:
            tokens.append(sample_from_residual(p[i], qs[i], rng))
            return tokens
    tokens.append(int(rng.choice(p.shape[1], p=p[k])))
    return tokens
