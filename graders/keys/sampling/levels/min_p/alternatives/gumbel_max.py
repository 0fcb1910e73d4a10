"""Correct: filters as boolean masks in logit space (top-k by a threshold, top-p from `cumsum - p`,
min-p as scaled - max >= log(min_p) on the tokens still kept), Gumbel-max sampling with rng.gumbel."""

import numpy as np


def sample(logits, temperature=1.0, top_k=None, top_p=None, min_p=None, rng=None):
    logits = np.asarray(logits)
    if np.isnan(logits).any():
        raise ValueError("NaN in logits")
    if (temperature < 0 or (top_k is not None and top_k < 1) or (top_p is not None and not 0 < top_p <= 1)
            or (min_p is not None and not 0 <= min_p <= 1)):
        raise ValueError(f"bad arguments: temperature={temperature}, top_k={top_k}, top_p={top_p}, min_p={min_p}")
    if temperature == 0 or top_k == 1:
        return int(np.argmax(logits))

    V = logits.shape[0]
    scaled = logits.astype(np.float64) / temperature
    kept = np.ones(V, dtype=bool)
    if top_k is not None and top_k < V:
        kth = np.partition(scaled, V - top_k)[V - top_k]            # the k-th largest logit
        kept = scaled >= kth                                         # ties at the k-th all stay
    if top_p is not None:
        masked = np.where(kept, scaled, -np.inf)
        probs = np.exp(masked - masked.max())
        probs /= probs.sum()                                         # the renormalised top-k
        order = np.argsort(-probs, kind="stable")
        sorted_probs = probs[order]
        before = np.cumsum(sorted_probs) - sorted_probs              # mass of the tokens ahead
        nucleus = np.zeros(V, dtype=bool)
        nucleus[order[before < top_p]] = True
        kept &= nucleus
    if min_p is not None and min_p > 0:
        kept &= scaled - scaled.max() >= np.log(min_p)               # the max is never filtered out

    if rng is None:
        rng = np.random.default_rng()
    scores = np.where(kept, scaled, -np.inf)                         # log-probs up to a constant
    return int(np.argmax(scores + rng.gumbel(size=V)))
