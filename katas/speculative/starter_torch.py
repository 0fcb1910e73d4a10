import torch


def sample_from_residual(p_target, p_draft, rng):
    """Sample the correction token after a rejected draft.

    p_target, p_draft: (V,) probability tensors (float64, on the CPU) over the same vocabulary.
    rng: a torch.Generator (named as in the NumPy version), the only source of randomness:
         pass it as generator=rng (torch.multinomial, torch.rand, ...).
    Returns a token in [0, V), a Python int (or a 0-d integer tensor), drawn from
    max(0, p_target - p_draft) renormalised to sum to 1, or from p_target itself when that residual
    is all zero. The inputs are not modified (no in-place op on them).
    """
    raise NotImplementedError


def speculative_step(prefix, draft_model, target_model, k, rng):
    """One step of speculative decoding -> a NEW Python list: prefix, then the 1 to k+1 tokens produced.

    prefix:       list of int token ids; not modified.
    draft_model:  draft_model(tokens) -> (V,) float64 tensor, the cheap draft model's next-token
                  probabilities; tokens is a list of ints (or a 1-D integer tensor).
    target_model: target_model.batch_next_token_dist(prefix, drafts) -> (len(drafts) + 1, V) float64
                  tensor; row i = p_target(. | prefix + drafts[:i]).
    k:            number of draft tokens, k >= 0.
    rng:          a torch.Generator, the only source of randomness (generator=rng).

    1. Draft: for i in 0..k-1, sample drafts[i] from q_i = draft_model(prefix + drafts[:i])
       (exactly k draft calls).
    2. Score all drafts with ONE call p = target_model.batch_next_token_dist(prefix, drafts), (k+1, V).
    3. For i in 0..k-1, with t = drafts[i]: accept t with probability min(1, p[i][t] / q_i[t]).
       On the first rejection append sample_from_residual(p[i], q_i, rng) and stop.
    4. If all k drafts were accepted, append one bonus token sampled from p[k].
    Tokens are Python ints or 0-d integer tensors (int(torch.multinomial(q, 1, generator=rng)), not
    its (1,)-shaped result). The tokens produced follow the target model's distribution exactly.
    q_i may be 0 where the target has mass, and p[i] may be 0 where the draft has mass.
    """
    raise NotImplementedError
