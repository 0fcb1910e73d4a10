"""Correct: every probability cast to float32 and float32 uniforms; sampling by searchsorted on a
float32 cumulative sum scaled by its own total (a uniform rounded up to it takes the last token with mass)."""

import numpy as np


def sample32(probs, rng):
    cdf = np.cumsum(np.asarray(probs, dtype=np.float32), dtype=np.float32)
    u = rng.random(dtype=np.float32) * cdf[-1]           # in [0, total], total only by rounding
    i = int(np.searchsorted(cdf, u, side="right"))       # side="right" skips zero-probability tokens
    return i if i < len(cdf) else int(np.argmax(cdf))    # u rounded up to the total: the last token with mass


def sample_from_residual(p_target, p_draft, rng):
    p_target = np.asarray(p_target, dtype=np.float32)
    residual = np.maximum(p_target - np.asarray(p_draft, dtype=np.float32), np.float32(0))
    if not residual.any():
        return sample32(p_target, rng)
    return sample32(residual, rng)


def speculative_step(prefix, draft_model, target_model, k, rng):
    context = list(prefix)
    drafts, qs = [], []
    for _ in range(k):
        q = np.asarray(draft_model(context + drafts), dtype=np.float32)
        drafts.append(sample32(q, rng))
        qs.append(q)
    p = np.asarray(target_model.batch_next_token_dist(context, drafts), dtype=np.float32)
    out = list(prefix)
    for i, t in enumerate(drafts):
        if rng.random(dtype=np.float32) < min(np.float32(1), p[i, t] / qs[i][t]):
            out.append(t)
            continue
        out.append(sample_from_residual(p[i], qs[i], rng))
        return out
    return out + [sample32(p[k], rng)]
