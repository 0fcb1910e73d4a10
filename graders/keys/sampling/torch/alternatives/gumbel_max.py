"""Correct: filters as boolean masks combined with torch.where in logit space (top-k by the k first of a
stable sort, top-p from the exclusive cumsum of the renormalised top-k), then Gumbel-max: the argmax of
the kept logits plus -log(-log(u)) noise, u from torch.rand with the generator; beam search over a
(B, V) tensor ranked by a stable descending argsort, finished hypotheses set aside in their own list."""

import torch


def sample(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    if torch.isnan(logits).any():
        raise ValueError("NaN in logits")
    if temperature < 0 or (top_k is not None and top_k < 1) or (top_p is not None and not 0 < top_p <= 1):
        raise ValueError(f"bad arguments: temperature={temperature}, top_k={top_k}, top_p={top_p}")
    if temperature == 0 or top_k == 1:
        return int(torch.argmax(logits))

    V = logits.shape[0]
    scaled = logits.to(torch.float64) / temperature                    # (V,) a new tensor
    order = torch.argsort(scaled, descending=True, stable=True)         # (V,) most probable first
    rank = torch.empty_like(order).scatter_(0, order, torch.arange(V))  # rank[token]: its place in order
    kept = torch.ones(V, dtype=torch.bool)
    if top_k is not None:
        kept = rank < top_k
    if top_p is not None:
        masked = torch.where(kept, scaled, -torch.inf)
        probs = torch.exp(masked - masked.max())
        probs = probs / probs.sum()                                     # the renormalised top-k
        sorted_probs = probs[order]
        before = torch.cumsum(sorted_probs, dim=0) - sorted_probs       # mass of the tokens ahead
        kept = kept & (before < top_p)[rank]

    u = torch.rand(V, dtype=torch.float64, generator=rng)               # [0, 1): u = 0 gives -inf noise
    noisy = torch.where(kept, scaled, -torch.inf) - torch.log(-torch.log(u))
    return int(torch.argmax(noisy))


def beam_search(log_prob_fn, prefix, beam_width, max_new_tokens, eos_id=None):
    beam = [list(prefix)]
    scores = torch.zeros(1, dtype=torch.float64)                        # (B,)
    done = []                                                           # finished (tokens, score)
    for _ in range(max_new_tokens):
        if not beam:
            break
        log_probs = torch.stack([log_prob_fn(list(h)).to(torch.float64) for h in beam])   # (B, V)
        total = scores.unsqueeze(1) + log_probs                         # (B, V)
        V = total.shape[1]
        best = torch.argsort(total.reshape(-1), descending=True, stable=True)[:beam_width]
        new_beam, new_scores = [], []
        for flat in best.tolist():
            b, token = divmod(flat, V)
            hyp, score = beam[b] + [token], total[b, token]
            if token == eos_id:
                done.append((hyp, float(score)))
            else:
                new_beam.append(hyp)
                new_scores.append(score)
        beam = new_beam
        scores = torch.stack(new_scores) if new_scores else scores[:0]
    hypotheses = done + list(zip(beam, scores.tolist()))
    return max(hypotheses, key=lambda h: h[1])
