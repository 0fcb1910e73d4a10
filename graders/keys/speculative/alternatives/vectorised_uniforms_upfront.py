"""Correct: all k accept coins drawn at once after drafting, the accept mask computed vectorised at
the drafted tokens, the first rejection found with argmin; tokens kept as NumPy integers and the
draft called on a tuple context."""

import numpy as np


def sample_from_residual(p_target, p_draft, rng):
    p_target = np.asarray(p_target, dtype=np.float64)
    residual = np.clip(p_target - np.asarray(p_draft, dtype=np.float64), 0.0, None)
    z = residual.sum()
    probs = p_target if z == 0 else residual / z
    return rng.choice(probs.size, p=probs)               # a NumPy integer


def speculative_step(prefix, draft_model, target_model, k, rng):
    drafts = np.zeros(k, dtype=np.int64)
    qs = []
    for i in range(k):
        q = np.asarray(draft_model(tuple(prefix) + tuple(drafts[:i].tolist())), dtype=np.float64)   # (V,)
        qs.append(q)
        drafts[i] = rng.choice(q.size, p=q)
    P = np.asarray(target_model.batch_next_token_dist(list(prefix), drafts.tolist()), dtype=np.float64)  # (k+1, V)
    Q = np.array(qs, dtype=np.float64).reshape(k, P.shape[1])                                            # (k, V)
    rows = np.arange(k)
    p_tok, q_tok = P[rows, drafts], Q[rows, drafts]      # (k,), q_tok > 0: the drafts were drawn from Q
    u = rng.random(k)
    accepted = u * q_tok < p_tok                         # u < min(1, p/q) without dividing
    n = k if accepted.all() else int(np.argmin(accepted))   # number of accepted drafts
    new = list(drafts[:n])
    if n < k:
        new.append(sample_from_residual(P[n], Q[n], rng))
    else:
        new.append(rng.choice(P.shape[1], p=P[k]))
    return list(prefix) + new
