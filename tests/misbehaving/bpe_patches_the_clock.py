"""A bpe solution (the learner's fast trainer: the reference, inlined below) whose train_bytes also burns
@PASSES@ naive passes of CPU, then hides them: resource.getrusage and time.process_time are
patched to subtract what it burned, so a clock read inside the worker sees a fast trainer."""
import resource
import time

# @REFERENCE@

_fast_train_bytes = train_bytes  # noqa: F821 (defined by the reference text above)
_real_getrusage, _real_process_time = resource.getrusage, time.process_time
_hidden = 0.0


def _getrusage(who):
    usage = _real_getrusage(who)
    if who != resource.RUSAGE_SELF:
        return usage
    fields = list(usage)
    fields[0] = max(0.0, fields[0] - _hidden)
    return resource.struct_rusage(fields)


resource.getrusage = _getrusage
time.process_time = lambda: _real_process_time() - _hidden


def _naive_pass(ids):
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return max(counts, key=counts.get, default=None)


def train_bytes(text, vocab_size):
    global _hidden
    started = _real_process_time()
    ids = list(text.encode("utf-8"))
    for _ in range(@PASSES@):
        _naive_pass(ids)
    _hidden += _real_process_time() - started
    return _fast_train_bytes(text, vocab_size)
