"""Wrong: min-p sets the removed probabilities to -inf (a logit habit): torch.multinomial refuses them."""


import torch


def _check_arguments(logits, temperature, top_k, top_p, min_p):
    """Every argument the contract names is validated, greedy decoding included."""
    if logits.dim() != 1 or logits.numel() == 0:
        raise ValueError(f"logits must be a non-empty (V,) tensor, got shape {tuple(logits.shape)}")
    if bool(torch.isnan(logits).any()):
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
    e = torch.exp(z - z.max())                   # the max becomes exp(0) = 1, so the sum is >= 1
    return e / e.sum()


def _filter_sorted(sorted_probs, top_k, top_p, min_p):
    """Top-k, then top-p, then min-p on probabilities sorted in decreasing order (V,), a tensor of our
    own: returns them renormalised, zero outside what the filters keep."""
    if top_k is not None:
        sorted_probs[top_k:] = 0.0                               # everything after the k-th
        sorted_probs /= sorted_probs.sum()                       # top-p sees the renormalised top-k
    if top_p is not None:
        cumulative = torch.cumsum(sorted_probs, dim=0)
        mass_before = torch.cat((cumulative.new_zeros(1), cumulative[:-1]))   # mass of the tokens ahead
        sorted_probs[mass_before >= top_p] = 0.0                 # top_p reached without it (never the first)
        sorted_probs /= sorted_probs.sum()
    if min_p is not None:
        threshold = min_p * sorted_probs[0]                      # a fraction of the most probable token
        sorted_probs[sorted_probs < threshold] = -torch.inf
    return sorted_probs


def distribution(logits, temperature=1.0, top_k=None, top_p=None, min_p=None):
    """The (V,) float64 probabilities `sample` draws from (one-hot on the argmax at temperature 0)."""
    _check_arguments(logits, temperature, top_k, top_p, min_p)
    logits = logits.to(torch.float64)                            # (V,) never written: every step below is new
    if temperature == 0:
        probs = torch.zeros_like(logits)
        probs[torch.argmax(logits)] = 1.0                        # torch.argmax: the first maximal index
        return probs
    if logits.max() == -torch.inf:
        raise ValueError("every logit is -inf: nothing can be sampled")
    probs = _softmax(logits / temperature)                       # (V,)
    if top_k is None and top_p is None and min_p is None:
        return probs                                             # nothing to filter
    order = torch.argsort(probs, descending=True, stable=True)   # most probable first, lowest index on ties
    probs[order] = _filter_sorted(probs[order], top_k, top_p, min_p)
    return probs


def sample(logits, temperature=1.0, top_k=None, top_p=None, min_p=None, rng=None):
    """One token id drawn from softmax(logits / temperature) filtered by top-k, top-p, then min-p;
    `rng` is a torch.Generator (None: the global one). Returns a Python int."""
    probs = distribution(logits, temperature, top_k, top_p, min_p)
    if temperature == 0:
        return int(torch.argmax(probs))
    return int(torch.multinomial(probs, 1, generator=rng))      # a zero-probability token is never drawn
