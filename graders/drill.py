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
    return _most_pressing(store, [(kata.id, kata, kata) for kata in katas], now)


def pick_attempt(store, attempts, now):
    """The next attempt (graders.repo.Attempt) of `attempts`, by its own record: a kata passed in NumPy
    is not passed in PyTorch. None if there is none."""
    return _most_pressing(store, [(a.key, a.kata, a) for a in attempts], now)


def _most_pressing(store, candidates, now):
    """Of (progress key, Kata, what to return) triples in manifest order: the one to practise next."""
    def rank(item):
        order, (key, kata, _) = item
        standing_rank, overdue = standing(store.katas.get(key), now)
        return standing_rank, kata.stars if standing_rank != NOT_DUE else 0, overdue, -order

    return max(enumerate(candidates), key=rank, default=(None, (None, None, None)))[1][2]
