"""The unit of the bpe kata's speed budget: the CPU cost of one naive pass over a text on this
machine, timed in the judge's own process (the solution's CPU time is measured from outside its
sandbox: `solution.cpu_clock()`)."""

import time


def naive_pass(ids):
    """One step of a naive trainer: recount every pair of ids, then rewrite the whole sequence with
    the most frequent pair merged."""
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    best = max(counts, key=counts.get)
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == best[0] and ids[i + 1] == best[1]:
            out.append(256)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def naive_pass_seconds(text, repeats=5):
    """The median CPU time of one naive pass over `text`, in the calling thread (the judge's)."""
    ids = list(text.encode("utf-8"))
    times = []
    for _ in range(repeats):
        started = time.thread_time()
        naive_pass(ids)
        times.append(time.thread_time() - started)
    return sorted(times)[repeats // 2]
