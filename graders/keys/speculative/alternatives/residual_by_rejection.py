"""Correct: the residual is sampled by rejection from p_target (propose x ~ p_target, keep it with
probability max(0, 1 - p_draft[x] / p_target[x])), which needs no renormalisation; a recursive step."""

import numpy as np


def sample_from_residual(p_target, p_draft, rng):
    p_target = np.asarray(p_target, dtype=np.float64)
    p_draft = np.asarray(p_draft, dtype=np.float64)
    if not np.any(p_target > p_draft):
        return int(rng.choice(len(p_target), p=p_target))        # residual all zero
    while True:
        x = int(rng.choice(len(p_target), p=p_target))
        if rng.random() * p_target[x] < p_target[x] - p_draft[x]:
            return x


def _verify(drafts, q_rows, p_rows, rng):
    """Tokens produced from the drafts still to check (a recursion over positions)."""
    if not drafts:
        return [int(rng.choice(p_rows.shape[1], p=p_rows[0]))]   # bonus from the last row
    t, q, p = drafts[0], q_rows[0], p_rows[0]
    if rng.random() * q[t] >= p[t]:
        return [sample_from_residual(p, q, rng)]
    return [t] + _verify(drafts[1:], q_rows[1:], p_rows[1:], rng)


def speculative_step(prefix, draft_model, target_model, k, rng):
    drafts, q_rows = [], []
    while len(drafts) < k:
        q = np.asarray(draft_model([*prefix, *drafts]), dtype=np.float64)
        q_rows.append(q)
        drafts.append(int(rng.choice(q.size, p=q)))
    p_rows = np.asarray(target_model.batch_next_token_dist(list(prefix), drafts), dtype=np.float64)
    return [*prefix, *_verify(drafts, q_rows, p_rows, rng)]
