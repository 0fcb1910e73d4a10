"""Toy language models for the `speculative` kata, built by the hidden tests in the worker, or kept in
the judge where their call logs are evidence:

    draft = make("toys.speculative:ToyDraft", table, framework=framework)    # draft(tokens) -> (V,) probabilities
    target = make("toys.speculative:ToyTarget", table, framework=framework)  # .batch_next_token_dist(prefix, drafts)
    target = ToyTarget(table); solution.speculative_step(..., lend(target), ...)   # counted in the judge

Both are bigram models: p(next | context) = table[context[-1]], a fixed function of the context
(`start` for an empty one). They return fresh float64 arrays, count their calls and log the contexts
they were asked about, so a test can check how a solution used them. For a PyTorch attempt they hand
out float64 tensors: built with framework="torch", they convert what they return as the seam converts
an argument; lent, they answer in NumPy and the seam converts their answers in the worker. Tokens may
be ints, NumPy integers or 0-d integer tensors. Lent, they run in the judge on arguments the solution
sent: `_tokens` takes nothing but a short sequence of ints. The tests use short prefixes: a context
longer than MAX_CONTEXT raises ValueError at once (a solution appending to the caller's prefix makes it
grow from call to call, and would otherwise slow a repeated test to a crawl). NumPy and the standard
library only (tensors come from the seam, frameworks.py, for a PyTorch attempt's worker only).
"""

import numpy as np

from ..frameworks import _is_tensor, to_solution

MAX_CONTEXT = 32


class _Bigram:
    def __init__(self, table, start=None, framework="numpy"):
        self.table = np.array(table, dtype=np.float64)                 # (V, V): row = previous token
        V = self.table.shape[0]
        self.start = np.full(V, 1.0 / V) if start is None else np.array(start, dtype=np.float64)  # (V,)
        self.framework = framework                                      # what the solution's results are in
        self.log = []                                                   # one entry per call

    def next_token_dist(self, context):
        """p(. | context) as a fresh (V,) float64 array."""
        return (self.table[context[-1]] if context else self.start).copy()

    def next_token_dists(self, context, first):
        """p(. | context[:n]) for n = first, ..., len(context): a fresh (len(context) - first + 1, V) array."""
        rows = self.table.take(context[max(first - 1, 0):], axis=0)    # a new array
        return rows if first > 0 else np.vstack([self.start, rows])

    def calls(self):
        return len(self.log)

    def calls_log(self):
        return list(self.log)


def _tokens(seq):
    """A token sequence (list, tuple, 1-D array or tensor; tokens ints, NumPy integers or 0-d integer
    tensors) as a list of Python ints, at most MAX_CONTEXT long."""
    if not (isinstance(seq, (list, tuple, np.ndarray)) or _is_tensor(seq)):
        raise TypeError(f"the toy model got a {type(seq).__name__} as a token sequence; expected a list of ints")
    if len(seq) > MAX_CONTEXT:
        raise ValueError(f"the toy model got a context of {len(seq)} tokens; the tests use short prefixes, so the "
                         "prefix is growing from call to call: is the caller's prefix list modified in place?")
    if not isinstance(seq, (list, tuple)):
        seq = seq.tolist()                                              # an array or tensor: Python numbers at once
    return [int(t) for t in seq]


class ToyDraft(_Bigram):
    """draft(tokens) -> (V,) next-token probabilities; logs each context it is called with."""

    LENT_METHODS = ("__call__",)

    def __call__(self, tokens):
        tokens = _tokens(tokens)
        self.log.append(tokens)
        return to_solution(self.next_token_dist(tokens), self.framework)


class ToyTarget(_Bigram):
    """batch_next_token_dist(prefix, drafts) -> (len(drafts) + 1, V): row i = p(. | prefix + drafts[:i]).
    Logs each call as [prefix, drafts]."""

    LENT_METHODS = ("batch_next_token_dist",)

    def batch_next_token_dist(self, prefix, drafts):
        prefix, drafts = _tokens(prefix), _tokens(drafts)
        self.log.append([prefix, drafts])
        context = _tokens(prefix + drafts)
        rows = self.next_token_dists(context, len(prefix))             # (len(drafts) + 1, V)
        return to_solution(rows, self.framework)
