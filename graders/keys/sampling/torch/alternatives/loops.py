"""Correct: pure Python loops over logits.tolist() (math.exp, sorted with an index tie-break, the top-p
mass accumulated token by token, an inverse-CDF walk with one torch.rand draw from the generator);
beam search keeps finished hypotheses in a dict beam, picked with heapq.nlargest."""

import heapq
import math

import torch


def sample(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    values = logits.tolist()                                # Python floats: float32 values exactly
    if any(math.isnan(v) for v in values):
        raise ValueError("logits contain NaN")
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be >= 1")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError("top_p must be in (0, 1]")
    V = len(values)
    if temperature == 0:
        best = 0
        for i in range(1, V):
            if values[i] > values[best]:                    # strict: the first maximum wins ties
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
        mass = sum(probs[i] for i in order)
        probs = [p / mass for p in probs]                   # renormalised over the top k
    if top_p is not None:
        kept, mass = [], 0.0
        for i in order:
            kept.append(i)
            mass += probs[i]
            if mass >= top_p:
                break
        order = kept

    u = torch.rand((), dtype=torch.float64, generator=rng).item() * sum(probs[i] for i in order)
    running = 0.0
    for i in order:
        running += probs[i]
        if u < running:
            return i
    return max(order, key=lambda i: probs[i])              # unreachable up to rounding


def beam_search(log_prob_fn, prefix, beam_width, max_new_tokens, eos_id=None):
    start = tuple(prefix)
    beam = {start: 0.0}                                     # hypothesis -> score

    def finished(hyp):
        return eos_id is not None and len(hyp) > len(start) and hyp[-1] == eos_id

    for _ in range(max_new_tokens):
        candidates = {}
        for hyp, score in beam.items():
            if finished(hyp):
                candidates[hyp] = score
                continue
            for token, log_prob in enumerate(log_prob_fn(list(hyp)).tolist()):
                candidates[hyp + (token,)] = score + log_prob
        beam = dict(heapq.nlargest(beam_width, candidates.items(), key=lambda item: item[1]))
        if all(finished(hyp) for hyp in beam):
            break
    best = max(beam, key=beam.get)
    return list(best), beam[best]
