"""Wrong: rng.choice on the min-p filtered probabilities without renormalising them (they no longer sum to 1)."""


import numpy as np


def _check_arguments(logits, temperature, top_k, top_p, min_p):
    """Every argument the contract names is validated, greedy decoding included."""
    if logits.ndim != 1 or logits.size == 0:
        raise ValueError(f"logits must be a non-empty (V,) array, got shape {logits.shape}")
    if np.isnan(logits).any():
        raise ValueError("logits contain NaN")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be >= 1 (or None), got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1] (or None), got {top_p}")
    if min_p is not None and not 0 <= min_p <= 1:
        raise ValueError(f"min_p must be in [0, 1] (or None), got {min_p}")


def _softmax(z):
    """Probabilities from logits z (V,): shifted by the max so exp never overflows; -inf -> 0."""
    e = np.exp(z - z.max())                      # the max becomes exp(0) = 1, so the sum is >= 1
    return e / e.sum()


def _filter_sorted(sorted_probs, top_k, top_p, min_p):
    """Top-k, then top-p, then min-p on probabilities sorted in decreasing order (V,); returns them
    renormalised, zero outside what the filters keep. Each filter sees what the previous one left."""
    if top_k is not None:
        sorted_probs[top_k:] = 0.0                               # everything after the k-th
        sorted_probs /= sorted_probs.sum()                       # top-p sees the renormalised top-k
    if top_p is not None:
        mass_before = np.concatenate(([0.0], np.cumsum(sorted_probs)[:-1]))   # mass of the tokens ahead
        needed = mass_before < top_p                             # top_p not reached yet without it
        sorted_probs[~needed] = 0.0                              # (the first token, mass_before 0, stays)
        sorted_probs /= sorted_probs.sum()
    if min_p is not None:
        threshold = min_p * sorted_probs[0]                      # a fraction of the most probable token
        sorted_probs[sorted_probs < threshold] = 0.0             # >=: the max and its ties always stay
    return sorted_probs


def distribution(logits, temperature=1.0, top_k=None, top_p=None, min_p=None):
    """The (V,) float64 probabilities `sample` draws from (one-hot on the argmax at temperature 0)."""
    logits = np.asarray(logits, dtype=np.float64)                # (V,) the caller's array is never written
    _check_arguments(logits, temperature, top_k, top_p, min_p)
    if temperature == 0:
        probs = np.zeros(logits.size)
        probs[np.argmax(logits)] = 1.0                           # np.argmax: the lowest index among ties
        return probs
    if logits.max() == -np.inf:
        raise ValueError("every logit is -inf: nothing can be sampled")
    probs = _softmax(logits / temperature)                       # (V,)
    if top_k is None and top_p is None and min_p is None:
        return probs                                             # nothing to filter
    order = np.argsort(-probs, kind="stable")                    # most probable first, lowest index on ties
    probs[order] = _filter_sorted(probs[order], top_k, top_p, min_p)
    return probs


def sample(logits, temperature=1.0, top_k=None, top_p=None, min_p=None, rng=None):
    """One token id drawn from softmax(logits / temperature) filtered by top-k, top-p, then min-p."""
    probs = distribution(logits, temperature, top_k, top_p, min_p)
    if temperature == 0:
        return int(np.argmax(probs))
    rng = np.random.default_rng() if rng is None else rng
    return int(rng.choice(probs.size, p=probs))
