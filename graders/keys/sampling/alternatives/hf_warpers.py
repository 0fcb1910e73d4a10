"""Correct: Hugging Face style logit warpers (temperature, then top-k setting all but k logits to
-inf, then top-p removing the ascending-cumsum tail <= 1 - top_p), rng.choice on the softmax;
beam search keeps finished hypotheses in the beam and stops as soon as the best one is finished."""

import numpy as np


def _softmax(z):
    z = z - np.max(z)
    e = np.exp(z)
    return e / np.sum(e)


def _top_k(z, k):
    if k >= z.size:
        return z
    keep = np.argsort(-z, kind="stable")[:k]
    out = np.full_like(z, -np.inf)
    out[keep] = z[keep]
    return out


def _top_p(z, p):
    order = np.argsort(z, kind="stable")                       # least probable first
    probs = _softmax(z)[order]
    tail = np.cumsum(probs)                                    # mass of this token and all below it
    remove = tail <= 1 - p
    remove[-1] = False                                         # the most probable always stays
    out = z.copy()
    out[order[remove]] = -np.inf
    return out


def sample(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    z = np.array(logits, dtype=np.float64)                     # a copy
    if np.any(np.isnan(z)):
        raise ValueError("NaN logits")
    if temperature < 0:
        raise ValueError("temperature must be non-negative")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be at least 1")
    if top_p is not None and not (0.0 < top_p <= 1.0):
        raise ValueError("top_p must be in (0, 1]")
    if temperature == 0:
        return int(np.argmax(z))
    z = z / temperature
    if top_k is not None:
        z = _top_k(z, top_k)
    if top_p is not None:
        z = _top_p(z, top_p)
    if rng is None:
        rng = np.random.default_rng()
    return int(rng.choice(z.size, p=_softmax(z)))


def beam_search(log_prob_fn, prefix, beam_width, max_new_tokens, eos_id=None):
    n = len(prefix)
    beam = [(0.0, list(prefix))]

    def is_done(tokens):
        return eos_id is not None and len(tokens) > n and tokens[-1] == eos_id

    for _ in range(max_new_tokens):
        if is_done(beam[0][1]):
            break                                              # scores only fall: nothing can beat it
        pool = []
        for score, tokens in beam:
            if is_done(tokens):
                pool.append((score, tokens))
            else:
                lp = log_prob_fn(tokens)
                pool += [(score + float(lp[t]), tokens + [t]) for t in range(len(lp))]
        pool.sort(key=lambda item: item[0], reverse=True)
        beam = pool[:beam_width]
    score, tokens = beam[0]
    return tokens, score
