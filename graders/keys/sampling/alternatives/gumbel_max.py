"""Correct: filters in logit space (top-k by a threshold that keeps ties for k > 1, argmax for
k = 1), top-p from `cumsum - p`, Gumbel-max sampling with rng.gumbel; beam search vectorised over
the beam with a (B, V) score matrix, finished hypotheses set aside in their own list."""

import numpy as np


def sample(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    logits = np.asarray(logits)
    if np.isnan(logits).any():
        raise ValueError("NaN in logits")
    if temperature < 0 or (top_k is not None and top_k < 1) or (top_p is not None and not 0 < top_p <= 1):
        raise ValueError(f"bad arguments: temperature={temperature}, top_k={top_k}, top_p={top_p}")
    if temperature == 0 or top_k == 1:
        return int(np.argmax(logits))

    V = logits.shape[0]
    scaled = logits.astype(np.float64) / temperature
    kept = np.ones(V, dtype=bool)
    if top_k is not None and top_k < V:
        kth = np.partition(scaled, V - top_k)[V - top_k]            # the k-th largest logit
        kept = scaled >= kth                                         # ties at the k-th all stay
    if top_p is not None:
        masked = np.where(kept, scaled, -np.inf)
        probs = np.exp(masked - masked.max())
        probs /= probs.sum()                                         # the renormalised top-k
        order = np.argsort(-probs, kind="stable")
        sorted_probs = probs[order]
        before = np.cumsum(sorted_probs) - sorted_probs              # mass of the tokens ahead
        nucleus = np.zeros(V, dtype=bool)
        nucleus[order[before < top_p]] = True
        kept &= nucleus

    if rng is None:
        rng = np.random.default_rng()
    scores = np.where(kept, scaled, -np.inf)                         # log-probs up to a constant
    return int(np.argmax(scores + rng.gumbel(size=V)))


def beam_search(log_prob_fn, prefix, beam_width, max_new_tokens, eos_id=None):
    beam = [list(prefix)]
    scores = np.zeros(1)                                             # (B,)
    done = []                                                        # finished (tokens, score)
    for _ in range(max_new_tokens):
        if not beam:
            break
        log_probs = np.stack([np.asarray(log_prob_fn(list(h)), dtype=np.float64) for h in beam])  # (B, V)
        total = scores[:, None] + log_probs                          # (B, V)
        V = total.shape[1]
        best = np.argsort(-total, axis=None, kind="stable")[:beam_width]
        new_beam, new_scores = [], []
        for flat in best:
            b, token = divmod(int(flat), V)
            hyp, score = beam[b] + [token], float(total[b, token])
            if token == eos_id:
                done.append((hyp, score))
            else:
                new_beam.append(hyp)
                new_scores.append(score)
        beam, scores = new_beam, np.array(new_scores)
    hypotheses = done + list(zip(beam, scores.tolist()))
    return max(hypotheses, key=lambda h: h[1])
