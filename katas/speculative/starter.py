import numpy as np


def sample_from_residual(p_target, p_draft, rng):
    """Sample the correction token after a rejected draft.

    p_target, p_draft: (V,) probability vectors (float64 arrays) over the same vocabulary.
    rng: a np.random.Generator, the only source of randomness.
    Returns an int in [0, V) drawn from max(0, p_target - p_draft) renormalised to sum to 1,
    or from p_target itself when that residual is all zero. The inputs are not modified.
    """
    raise NotImplementedError


def speculative_step(prefix, draft_model, target_model, k, rng):
    """One step of speculative decoding -> a NEW list: prefix, then the 1 to k+1 tokens produced.

    prefix:       list of int token ids; not modified.
    draft_model:  draft_model(tokens) -> (V,) next-token probabilities of the cheap draft model.
    target_model: target_model.batch_next_token_dist(prefix, drafts) -> (len(drafts) + 1, V);
                  row i = p_target(. | prefix + drafts[:i]).
    k:            number of draft tokens, k >= 0.
    rng:          a np.random.Generator, the only source of randomness.

    1. Draft: for i in 0..k-1, sample drafts[i] from q_i = draft_model(prefix + drafts[:i])
       (exactly k draft calls).
    2. Score all drafts with ONE call p = target_model.batch_next_token_dist(prefix, drafts), (k+1, V).
    3. For i in 0..k-1, with t = drafts[i]: accept t with probability min(1, p[i][t] / q_i[t]).
       On the first rejection append sample_from_residual(p[i], q_i, rng) and stop.
    4. If all k drafts were accepted, append one bonus token sampled from p[k].
    The tokens produced follow the target model's distribution exactly. No RuntimeWarning: q_i may
    be 0 where the target has mass, and p[i] may be 0 where the draft has mass.
    """
    raise NotImplementedError
