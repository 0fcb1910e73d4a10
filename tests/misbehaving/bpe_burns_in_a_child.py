"""A bpe solution (the learner's fast trainer: the reference, inlined below) whose train_bytes does its work
in a forked child that first burns @PASSES@ naive passes of CPU, sends the merges back through a
pipe and exits; the parent never waits for it, so the child's CPU is in no count the worker keeps."""
import ctypes
import json
import os

# @REFERENCE@

_fast_train_bytes = train_bytes  # noqa: F821 (defined by the reference text above)


def _naive_pass(ids):
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return max(counts, key=counts.get, default=None)


def train_bytes(text, vocab_size):
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b"kata-burn-4246")  # PR_SET_NAME: for the test to look for
        ids = list(text.encode("utf-8"))
        for _ in range(@PASSES@):
            _naive_pass(ids)
        data = json.dumps(_fast_train_bytes(text, vocab_size)).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view):]
        os._exit(0)  # never reaped: a zombie until the sandbox ends
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 1 << 16):
        chunks.append(chunk)
    os.close(read_end)
    return [tuple(pair) for pair in json.loads(b"".join(chunks))]
