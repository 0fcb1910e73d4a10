"""Correct: float32 throughout the sampler (softmax, a stable descending sort, filters, cumulative sums,
a float32 uniform from the generator for an inverse CDF with torch.searchsorted); beam search keeps
the scores in a float64 tensor, refills the beam with beam_width unfinished hypotheses each step and
keeps finished ones (those ranked in the top beam_width) aside."""

import torch


def softmax32(x):
    e = torch.exp(x - x.max())
    return e / e.sum()


def sample(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    x = logits.to(torch.float32)
    if torch.isnan(x).any():
        raise ValueError("logits must not contain NaN")
    if temperature < 0:
        raise ValueError("negative temperature")
    if top_k is not None and top_k < 1:
        raise ValueError("top_k < 1")
    if top_p is not None and (top_p <= 0 or top_p > 1):
        raise ValueError("top_p outside (0, 1]")
    if temperature == 0:
        return torch.argmax(x)                               # a 0-d int64 tensor

    probs = softmax32(x / temperature)                       # a new tensor: x is never written
    p, order = torch.sort(probs, descending=True, stable=True)   # p: sorted, float32, our own
    if top_k is not None:
        p[top_k:] = 0
        p /= p.sum()
    if top_p is not None:
        cum = torch.cumsum(p, dim=0)
        last = int(torch.searchsorted(cum, torch.tensor([top_p], dtype=torch.float32)))  # first cum >= top_p
        p[last + 1:] = 0
        p /= p.sum()

    cdf = torch.cumsum(p, dim=0)
    u = torch.rand(1, dtype=torch.float32, generator=rng) * cdf[-1]
    i = int(torch.searchsorted(cdf, u, right=True))
    i = min(i, int(torch.nonzero(p)[-1]))                    # float32 rounding of u * cdf[-1]
    return order[i]                                          # a 0-d int64 tensor


def beam_search(log_prob_fn, prefix, beam_width, max_new_tokens, eos_id=None):
    beam, scores = [list(prefix)], torch.zeros(1, dtype=torch.float64)    # scores (B,)
    finished = []                                                          # (tokens, score)
    for _ in range(max_new_tokens):
        log_probs = torch.stack([log_prob_fn(tokens) for tokens in beam])  # (B, V) float64
        V = log_probs.shape[1]
        total = (scores[:, None] + log_probs).reshape(-1)                   # (B * V,)
        ranked = torch.argsort(total, descending=True).tolist()
        top = [(beam[i // V] + [i % V], total[i]) for i in ranked]
        finished += [(tokens, float(score)) for tokens, score in top[:beam_width] if tokens[-1] == eos_id]
        kept = [(tokens, score) for tokens, score in top if tokens[-1] != eos_id][:beam_width]
        if not kept:
            beam = []
            break
        beam, scores = [tokens for tokens, _ in kept], torch.stack([score for _, score in kept])
    best_tokens, best_score = max(finished + list(zip(beam, scores.tolist())), key=lambda c: c[1])
    return best_tokens, float(best_score)
