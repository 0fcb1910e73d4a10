import torch


def sample(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    """Draw one token id from `logits` (V,) after temperature, top-k, then top-p.

    logits: a (V,) float32 or float64 torch.Tensor on the CPU.
    Pipeline: softmax(logits / temperature); keep the top_k most probable tokens; from that
    renormalised distribution keep the smallest set of most probable tokens with mass >= top_p
    (at least one token; mass exactly top_p is enough); renormalise and draw with `rng`.
    temperature == 0 and top_k == 1 are greedy (argmax, lowest index on ties). top_k None or >= V
    and top_p None or 1 filter nothing. -inf logits are never drawn; no overflow for logits of
    magnitude 1e4; all-zero logits are uniform.
    rng: a torch.Generator (the name is the NumPy version's), the only randomness; None: torch's
    global generator. Returns a Python int (or a 0-d integer tensor) in [0, V). ValueError for NaN
    logits, temperature < 0, top_k < 1, top_p outside (0, 1], also when temperature == 0.
    `logits` is not modified (no in-place op on it). Not allowed: torch.softmax, F.softmax,
    x.softmax(...), torch.distributions and the like (see the prompt's list).
    """
    raise NotImplementedError


def beam_search(log_prob_fn, prefix, beam_width, max_new_tokens, eos_id=None):
    """Beam search for the most probable continuation of `prefix`.

    log_prob_fn(tokens: list[int]) -> (V,) float64 tensor of the log-probs of the next token after
    the whole sequence. prefix: list of ints, not modified. At each of at most max_new_tokens steps,
    every unfinished hypothesis is extended by every token and the beam_width best are kept, scored
    by the sum of the log-probs of the generated tokens (prefix excluded, no length normalisation,
    summed in float64). A hypothesis ending in eos_id is finished: not extended, still competing
    with its score.
    Returns (tokens, score): the best hypothesis, prefix included, as a list of ints, and its
    score as a float. beam_width=1 is greedy; max_new_tokens=0 returns (prefix, 0.0).
    """
    raise NotImplementedError
