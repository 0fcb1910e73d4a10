"""Toy language models for the `sampling` kata's beam_search: `log_prob_fn(tokens) -> (V,)` next-token
log-probs, deterministic functions of the token list, counting their calls.

    lm = make("toys.sampling:HashLM", 4, 7)                       # pseudo-random, seed 7
    lm = make("toys.sampling:ScriptedLM", [[[1, 2], [0.2, 0.2, 0.6]]], [0.5, 0.3, 0.2])

The judge imports this module too, to compute the expected hypotheses from the same numbers.
`framework="torch"` (the attempt's, from the `framework` fixture) is the toy for a PyTorch attempt:
the same numbers, returned as a float64 CPU tensor instead of a NumPy array.
"""

import numpy as np

FRAMEWORKS = ("numpy", "torch")


def _log_softmax(logits):
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


def _as_tokens(tokens):
    """The solution may pass a list, a tuple, an int array or tensor (or a list of 0-d tensors): a tuple of
    Python ints."""
    return tuple(int(t) for t in tokens)


def _checked(framework):
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework must be one of {FRAMEWORKS}, not {framework!r}")
    return framework


def _in_framework(log_probs, framework):
    """(V,) float64 log-probs as the attempt's framework holds them: the array, or a tensor sharing it."""
    if framework == "torch":
        import torch  # only ever for a PyTorch attempt, whose worker has imported torch already

        return torch.from_numpy(log_probs)
    return log_probs


class HashLM:
    """Log-probs that are a fixed pseudo-random function of the whole token list: logits
    `scale * N(0, 1)` drawn from a generator seeded by (seed, len(tokens), *tokens), plus
    `eos_shift` on the `eos_id` logit. No two different contexts share a distribution."""

    def __init__(self, vocab_size, seed, scale=1.5, eos_id=None, eos_shift=0.0, framework="numpy"):
        self.vocab_size, self.seed, self.scale = int(vocab_size), int(seed), float(scale)
        self.eos_id, self.eos_shift = eos_id, float(eos_shift)
        self.framework = _checked(framework)
        self.n_calls = 0

    def __call__(self, tokens):
        tokens = _as_tokens(tokens)
        self.n_calls += 1
        rng = np.random.default_rng([self.seed, len(tokens), *tokens])
        logits = self.scale * rng.standard_normal(self.vocab_size)   # (V,)
        if self.eos_id is not None:
            logits[self.eos_id] += self.eos_shift
        return _in_framework(_log_softmax(logits), self.framework)

    def calls(self):
        return self.n_calls


class ScriptedLM:
    """Log-probs from a table: `rows` is a list of [tokens, probs] pairs, the next-token
    probabilities after exactly that token list; any other context gets `default`."""

    def __init__(self, rows, default, framework="numpy"):
        self.rows = {_as_tokens(tokens): np.log(np.asarray(probs, dtype=np.float64)) for tokens, probs in rows}
        self.default = np.log(np.asarray(default, dtype=np.float64))
        self.framework = _checked(framework)
        self.n_calls = 0

    def __call__(self, tokens):
        self.n_calls += 1
        return _in_framework(self.rows.get(_as_tokens(tokens), self.default).copy(), self.framework)

    def calls(self):
        return self.n_calls
