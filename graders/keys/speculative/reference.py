"""Reference solution of the `speculative` kata: one step of speculative decoding (Leviathan et al.
2023; Chen et al. 2023) with a draft model and a target model over a vocabulary of V tokens.

A step drafts k tokens from the cheap draft model, scores all of them with ONE target call, keeps
the longest accepted run, and ends with one token from the target: a residual sample at the first
rejection, or a bonus sample from the target's last row when all k drafts are accepted. Every
token it produces follows the target model's distribution exactly. Probabilities are float64 inside.
"""

import numpy as np


def sample_from_residual(p_target, p_draft, rng):
    """One token from max(0, p_target - p_draft) renormalised; from p_target when that is all zero.

    p_target, p_draft: (V,) probabilities; rng: np.random.Generator. Returns an int in [0, V)."""
    p_target = np.asarray(p_target, dtype=np.float64)            # (V,)
    p_draft = np.asarray(p_draft, dtype=np.float64)              # (V,)
    residual = np.maximum(p_target - p_draft, 0.0)               # (V,) the mass the draft under-proposes
    total = residual.sum()
    probs = residual / total if total > 0 else p_target          # all zero only when p_draft >= p_target
    return int(rng.choice(len(probs), p=probs))


def draft_tokens(prefix, draft_model, k, rng):
    """k tokens sampled autoregressively from the draft -> (drafts, their draft distributions (k, V))."""
    drafts, dists = [], []
    for _ in range(k):
        q = np.asarray(draft_model(prefix + drafts), dtype=np.float64)   # (V,) p_draft(. | prefix + drafts)
        drafts.append(int(rng.choice(len(q), p=q)))
        dists.append(q)
    return drafts, dists


def speculative_step(prefix, draft_model, target_model, k, rng):
    """One speculative decoding step -> a new list: prefix, then the 1 to k+1 tokens produced.

    draft_model(tokens) -> (V,); target_model.batch_next_token_dist(prefix, drafts) -> (k+1, V),
    row i = p_target(. | prefix + drafts[:i]). `prefix` is not modified."""
    prefix = list(prefix)
    drafts, q = draft_tokens(prefix, draft_model, k, rng)                 # k tokens, k x (V,)
    p = np.asarray(target_model.batch_next_token_dist(prefix, drafts), dtype=np.float64)  # (k+1, V), one call
    out = list(prefix)
    for i, t in enumerate(drafts):
        # Accept with probability min(1, p/q). q[i][t] > 0: t was drawn from q[i]. Comparing
        # u * q < p avoids the division (u < 1, so a ratio >= 1 always accepts).
        if rng.random() * q[i][t] < p[i, t]:
            out.append(t)
        else:
            out.append(sample_from_residual(p[i], q[i], rng))             # rejected: correct and stop
            return out
    out.append(int(rng.choice(p.shape[1], p=p[k])))                       # all k accepted: bonus, row k
    return out
