"""Correct: float32 throughout (softmax, filters, cumulative sums, a float32 uniform for the
inverse CDF); beam search refills the beam with beam_width unfinished hypotheses each step and
keeps finished ones (those ranked in the top beam_width) aside."""

import numpy as np


def softmax32(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def sample(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    x = np.asarray(logits, dtype=np.float32)
    if np.isnan(x).any():
        raise ValueError("logits must not contain NaN")
    if temperature < 0:
        raise ValueError("negative temperature")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k < 1")
    if top_p is not None and (top_p <= 0 or top_p > 1):
        raise ValueError("top_p outside (0, 1]")
    if temperature == 0:
        return int(np.argmax(x))

    probs = softmax32(x / np.float32(temperature))
    order = np.argsort(-probs, kind="stable")
    p = probs[order]                                         # sorted, float32
    if top_k is not None:
        p[top_k:] = 0
        p /= p.sum()
    if top_p is not None:
        cum = np.cumsum(p)
        last = int(np.searchsorted(cum, np.float32(top_p)))  # first index with cum >= top_p
        p[last + 1:] = 0
        p /= p.sum()

    rng = np.random.default_rng() if rng is None else rng
    cdf = np.cumsum(p)
    u = rng.random(dtype=np.float32) * cdf[-1]
    i = int(np.searchsorted(cdf, u, side="right"))
    i = min(i, int(np.flatnonzero(p)[-1]))                  # float32 rounding of u * cdf[-1]
    return int(order[i])


def beam_search(log_prob_fn, prefix, beam_width, max_new_tokens, eos_id=None):
    beam = [(list(prefix), 0.0)]
    finished = []
    for _ in range(max_new_tokens):
        candidates = []
        for tokens, score in beam:
            lp = np.asarray(log_prob_fn(tokens), dtype=np.float64)
            candidates.extend((tokens + [t], score + lp[t]) for t in range(lp.shape[0]))
        candidates.sort(key=lambda c: -c[1])
        finished += [c for c in candidates[:beam_width] if c[0][-1] == eos_id]
        beam = [c for c in candidates if c[0][-1] != eos_id][:beam_width]
        if not beam:
            break
    best_tokens, best_score = max(finished + beam, key=lambda c: c[1])
    return best_tokens, float(best_score)
