"""Trusted helpers for the bpe kata's speed test, built in the worker: the worker's CPU clock, and the
CPU cost of one naive pass over a text on this machine, the unit the speed budget is counted in."""

import resource


def cpu_seconds():
    """User + system CPU time of the worker and of any child it waited for (microsecond resolution)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


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


class CpuClock:
    """clock.seconds() before and after a call: the CPU time the call used, whatever the load of the
    machine; clock.naive_pass_seconds(text): the median CPU time of one naive pass over text."""

    def seconds(self):
        return cpu_seconds()

    def naive_pass_seconds(self, text, repeats=5):
        ids = list(text.encode("utf-8"))
        times = []
        for _ in range(repeats):
            started = cpu_seconds()
            naive_pass(ids)
            times.append(cpu_seconds() - started)
        return sorted(times)[repeats // 2]
