"""Which kata to practise next: spaced repetition over the progress store (graders/progress.py).

    kata = pick(store, ready_katas, now)

First a kata whose last timed grade failed (or that was given up), then one never practised, then one
due (its interval has run out); within each, the most asked (stars) first, then the most overdue.
When nothing is due, the kata due soonest. Ties go to the manifest's order (the order to learn them).
"""

from graders.progress import DAY_S

FAILED, NEVER, DUE, NOT_DUE = 3, 2, 1, 0


def standing(record, now):
    """(rank, days overdue): rank FAILED, NEVER, DUE or NOT_DUE; days overdue < 0 when not due yet.
    Only timed runs count (their grades and give-ups): a grade outside one moves nothing."""
    latest = record.latest_timed() if record else None
    if latest is None and not (record and record.gave_up):
        return NEVER, 0.0
    given_up = record.gave_up and (latest is None or record.gave_up[-1] >= latest["at"])
    if given_up or latest is not None and latest["status"] != "passed":
        return FAILED, 0.0
    overdue = 0.0 if record.due is None else (now - record.due) / DAY_S
    return (DUE if overdue >= 0 else NOT_DUE), overdue


def pick(store, katas, now):
    """The next kata (a manifest Kata) of `katas` (manifest order), or None if there is none."""
    def key(item):
        order, kata = item
        rank, overdue = standing(store.katas.get(kata.id), now)
        return rank, kata.stars if rank != NOT_DUE else 0, overdue, -order

    return max(enumerate(katas), key=key, default=(None, None))[1]
