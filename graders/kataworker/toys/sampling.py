"""Toy language models for the `sampling` kata's beam_search: `log_prob_fn(tokens) -> (V,)` next-token
log-probs, deterministic functions of the token list, counting their calls.

    lm = make("toys.sampling:HashLM", 4, 7)                       # pseudo-random, seed 7
    lm = make("toys.sampling:ScriptedLM", [[[1, 2], [0.2, 0.2, 0.6]]], [0.5, 0.3, 0.2])

The judge imports this module too, to compute the expected hypotheses from the same numbers.
"""

import numpy as np


def _log_softmax(logits):
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


def _as_tokens(tokens):
    """The solution may pass a list, a tuple or an int array: a tuple of Python ints."""
    return tuple(int(t) for t in tokens)


class HashLM:
    """Log-probs that are a fixed pseudo-random function of the whole token list: logits
    `scale * N(0, 1)` drawn from a generator seeded by (seed, len(tokens), *tokens), plus
    `eos_shift` on the `eos_id` logit. No two different contexts share a distribution."""

    def __init__(self, vocab_size, seed, scale=1.5, eos_id=None, eos_shift=0.0):
        self.vocab_size, self.seed, self.scale = int(vocab_size), int(seed), float(scale)
        self.eos_id, self.eos_shift = eos_id, float(eos_shift)
        self.n_calls = 0

    def __call__(self, tokens):
        tokens = _as_tokens(tokens)
        self.n_calls += 1
        rng = np.random.default_rng([self.seed, len(tokens), *tokens])
        logits = self.scale * rng.standard_normal(self.vocab_size)   # (V,)
        if self.eos_id is not None:
            logits[self.eos_id] += self.eos_shift
        return _log_softmax(logits)

    def calls(self):
        return self.n_calls


class ScriptedLM:
    """Log-probs from a table: `rows` is a list of [tokens, probs] pairs, the next-token
    probabilities after exactly that token list; any other context gets `default`."""

    def __init__(self, rows, default):
        self.rows = {_as_tokens(tokens): np.log(np.asarray(probs, dtype=np.float64)) for tokens, probs in rows}
        self.default = np.log(np.asarray(default, dtype=np.float64))
        self.n_calls = 0

    def __call__(self, tokens):
        self.n_calls += 1
        return self.rows.get(_as_tokens(tokens), self.default).copy()

    def calls(self):
        return self.n_calls
