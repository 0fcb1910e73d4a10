"""Correct: Gumbel-max sampling (argmax of log p + Gumbel noise, V draws per sample) and the accept
test in log space, log u < log p - log q; log 0 = -inf is expected, so that warning is silenced."""

import numpy as np


def gumbel_sample(probs, rng):
    with np.errstate(divide="ignore"):
        logp = np.log(np.asarray(probs, dtype=np.float64))        # -inf where probs == 0
    return int(np.argmax(logp + rng.gumbel(size=logp.shape)))


def sample_from_residual(p_target, p_draft, rng):
    residual = np.maximum(np.asarray(p_target, dtype=np.float64) - p_draft, 0.0)
    return gumbel_sample(residual if residual.sum() > 0 else p_target, rng)


def speculative_step(prefix, draft_model, target_model, k, rng):
    drafts, qs = [], []
    for _ in range(k):
        q = np.asarray(draft_model(list(prefix) + drafts), dtype=np.float64)
        drafts.append(gumbel_sample(q, rng))
        qs.append(q)
    p = np.asarray(target_model.batch_next_token_dist(list(prefix), drafts), dtype=np.float64)
    new = []
    for i, t in enumerate(drafts):
        with np.errstate(divide="ignore"):
            log_ratio = np.log(p[i, t]) - np.log(qs[i][t])     # q[t] > 0; p[t] may be 0 -> -inf
        if np.log(1.0 - rng.random()) < min(0.0, log_ratio):      # 1 - u in (0, 1]: log is finite
            new.append(t)
        else:
            new.append(sample_from_residual(p[i], qs[i], rng))
            break
    else:
        new.append(gumbel_sample(p[k], rng))
    return list(prefix) + new
