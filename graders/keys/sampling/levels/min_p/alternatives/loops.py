"""Correct: pure Python loops (math.exp, sorted with an index tie-break, the min-p cut by a
comprehension over the kept tokens against their largest probability, an inverse-CDF walk with
rng.random())."""

import math

import numpy as np


def sample(logits, temperature=1.0, top_k=None, top_p=None, min_p=None, rng=None):
    values = [float(x) for x in logits]
    if any(math.isnan(v) for v in values):
        raise ValueError("logits contain NaN")
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be >= 1")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError("top_p must be in (0, 1]")
    if min_p is not None and not 0 <= min_p <= 1:
        raise ValueError("min_p must be in [0, 1]")
    V = len(values)
    if temperature == 0:
        best = 0
        for i in range(1, V):
            if values[i] > values[best]:        # strict: the first maximum wins ties
                best = i
        return best

    scaled = [v / temperature for v in values]
    top = max(scaled)
    weights = [math.exp(s - top) for s in scaled]          # exp(-inf) = 0.0
    total = sum(weights)
    probs = [w / total for w in weights]

    order = sorted(range(V), key=lambda i: (-probs[i], i))  # most probable first, lowest index on ties
    if top_k is not None:
        order = order[:top_k]
    if top_p is not None:
        mass_kept = sum(probs[i] for i in order)            # top-p sees the renormalised top-k
        kept, mass = [], 0.0
        for i in order:
            kept.append(i)
            mass += probs[i] / mass_kept
            if mass >= top_p:
                break
        order = kept
    if min_p:
        largest = probs[order[0]]                           # renormalising scales every kept token alike
        order = [i for i in order if probs[i] >= min_p * largest]

    if rng is None:
        rng = np.random.default_rng()
    u = rng.random() * sum(probs[i] for i in order)
    running = 0.0
    for i in order:
        running += probs[i]
        if u < running:
            return i
    return order[-1]                                        # unreachable up to rounding
