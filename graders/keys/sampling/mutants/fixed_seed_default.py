"""rng=None builds np.random.default_rng(0): every call without an rng draws the same token."""

import numpy as np


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def sample(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    logits = np.asarray(logits, dtype=np.float64)
    if np.isnan(logits).any():
        raise ValueError("logits contain NaN")
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be >= 1")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError("top_p must be in (0, 1]")
    if rng is None:
        rng = np.random.default_rng(0)
    if temperature == 0:
        return int(np.argmax(logits))

    probs = softmax(logits / temperature)
    if top_k is not None and top_k < len(probs):
        keep = np.argsort(-probs, kind="stable")[:top_k]
        mask = np.zeros(len(probs), dtype=bool)
        mask[keep] = True
        probs = np.where(mask, probs, 0.0)
        probs = probs / probs.sum()
    if top_p is not None:
        order = np.argsort(-probs, kind="stable")
        cumulative = np.cumsum(probs[order])
        cutoff = np.searchsorted(cumulative, top_p) + 1    # first position where the mass reaches top_p
        mask = np.zeros(len(probs), dtype=bool)
        mask[order[:cutoff]] = True
        probs = np.where(mask, probs, 0.0)
        probs = probs / probs.sum()
    return int(rng.choice(len(probs), p=probs))


def beam_search(log_prob_fn, prefix, beam_width, max_new_tokens, eos_id=None):
    beams = [(list(prefix), 0.0, False)]                   # (tokens, score, finished)
    for _ in range(max_new_tokens):
        candidates = []
        for tokens, score, done in beams:
            if done:
                candidates.append((tokens, score, True))
                continue
            log_probs = log_prob_fn(tokens)
            for token, lp in enumerate(log_probs):
                candidates.append((tokens + [token], score + float(lp), token == eos_id))
        candidates.sort(key=lambda c: c[1], reverse=True)
        beams = candidates[:beam_width]
        if all(done for _, _, done in beams):
            break
    tokens, score, _ = max(beams, key=lambda b: b[1])
    return tokens, score
