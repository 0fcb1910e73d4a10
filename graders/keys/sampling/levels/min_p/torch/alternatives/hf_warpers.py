"""Correct: Hugging Face style logit warpers in tensors (temperature; top-k filling all but the k first
of a stable descending argsort with -inf; top-p removing the ascending-cumsum tail <= 1 - top_p; then
min-p as HF's warper does it: softmax of the warped logits, masked_fill of the tokens below
min_p * their max), torch.multinomial on the softmax."""

import torch


def _softmax(z):
    e = torch.exp(z - z.max())
    return e / e.sum()


def _top_k(z, k):
    if k >= z.numel():
        return z
    first_k = torch.argsort(z, descending=True, stable=True)[:k]        # lowest index first on ties
    keep = torch.zeros_like(z, dtype=torch.bool).scatter(0, first_k, True)
    return z.masked_fill(~keep, -torch.inf)


def _top_p(z, p):
    ascending, order = torch.sort(z, stable=True)                      # least probable first
    tail = torch.cumsum(_softmax(ascending), dim=0)                    # mass of this token and all below it
    remove = tail <= 1 - p
    remove[-1] = False                                                 # the most probable always stays
    remove = remove.scatter(0, order, remove)                          # back to token order
    return z.masked_fill(remove, -torch.inf)


def _min_p(z, p):
    probs = _softmax(z)
    return z.masked_fill(probs < p * probs.max(), -torch.inf)          # a new tensor: z is not written


def sample(logits, temperature=1.0, top_k=None, top_p=None, min_p=None, rng=None):
    if torch.isnan(logits).any():
        raise ValueError("NaN logits")
    if temperature < 0:
        raise ValueError("temperature must be non-negative")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be at least 1")
    if top_p is not None and not (0.0 < top_p <= 1.0):
        raise ValueError("top_p must be in (0, 1]")
    if min_p is not None and not (0.0 <= min_p <= 1.0):
        raise ValueError("min_p must be in [0, 1]")
    if temperature == 0:
        return int(torch.argmax(logits))
    z = logits.double() / temperature                                  # a new float64 tensor
    if top_k is not None:
        z = _top_k(z, top_k)
    if top_p is not None:
        z = _top_p(z, top_p)
    if min_p is not None:
        z = _min_p(z, min_p)
    return int(torch.multinomial(_softmax(z), 1, generator=rng))
