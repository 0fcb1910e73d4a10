"""Correct: Hugging Face style logit warpers in tensors (temperature; top-k filling all but the k first
of a stable descending argsort with -inf via scatter + masked_fill; top-p removing the ascending-cumsum
tail <= 1 - top_p, scattered back to token order), torch.multinomial on the softmax; beam search
vectorised over a (B, V) score tensor with torch.topk, a finished hypothesis kept in the beam as a row
holding its score once."""

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


def sample(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    if torch.isnan(logits).any():
        raise ValueError("NaN logits")
    if temperature < 0:
        raise ValueError("temperature must be non-negative")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k must be at least 1")
    if top_p is not None and not (0.0 < top_p <= 1.0):
        raise ValueError("top_p must be in (0, 1]")
    if temperature == 0:
        return int(torch.argmax(logits))
    z = logits.double() / temperature                                  # a new float64 tensor
    if top_k is not None:
        z = _top_k(z, top_k)
    if top_p is not None:
        z = _top_p(z, top_p)
    return int(torch.multinomial(_softmax(z), 1, generator=rng))


def beam_search(log_prob_fn, prefix, beam_width, max_new_tokens, eos_id=None):
    n = len(prefix)
    hyps, scores = [list(prefix)], torch.zeros(1, dtype=torch.float64)   # scores (B,)

    def done(tokens):
        return eos_id is not None and len(tokens) > n and tokens[-1] == eos_id

    for _ in range(max_new_tokens):
        if all(done(h) for h in hyps):
            break
        live = [None if done(h) else log_prob_fn(h).to(torch.float64) for h in hyps]
        V = next(lp for lp in live if lp is not None).numel()
        kept = torch.full((V,), -torch.inf, dtype=torch.float64)
        kept[0] = 0.0                                                  # a finished row: itself, at its score
        total = scores[:, None] + torch.stack([kept if lp is None else lp for lp in live])   # (B, V)
        k = min(beam_width, int(torch.isfinite(total).sum()))
        best, flat = torch.topk(total.flatten(), k)                    # sorted, best first
        beam_idx, token = flat // V, flat % V
        hyps = [hyps[b] if done(hyps[b]) else hyps[b] + [t] for b, t in zip(beam_idx.tolist(), token.tolist())]
        scores = best
    i = int(torch.argmax(scores))
    return hyps[i], float(scores[i])
