"""Which kata to practise next: spaced repetition over the progress store (graders/progress.py).

    kata = pick(store, ready_katas, now)

A kata whose last grade failed comes first, then katas never practised, then katas due (their
interval has run out, most overdue first); each weighted by how often it is asked (stars). When
nothing is due, the kata due soonest. Ties go to the manifest's order (the order to learn them).
"""

DAY_S = 86400.0


def urgency(record, now):
    """How much a kata wants practice now: > 0 when it is due, <= 0 when it is not (minus the days left)."""
    if record is None or record.last_practised() is None:
        return 2.0                                   # never practised
    latest = record.latest()
    if record.gave_up and (latest is None or record.gave_up[-1] >= latest["at"]) or \
            latest is not None and latest["status"] != "passed":
        return 3.0                                   # failed or given up last time
    if record.due is None or record.due <= now:
        interval = max(record.interval_days, 1.0)
        overdue_days = 0.0 if record.due is None else (now - record.due) / DAY_S
        return 1.0 + overdue_days / interval         # due: the longer overdue for its interval, the sooner
    return -(record.due - now) / DAY_S               # not due yet


def pick(store, katas, now):
    """The next kata (a manifest Kata) of `katas` (manifest order), or None if there is none."""
    best, best_key = None, None
    for order, kata in enumerate(katas):
        u = urgency(store.katas.get(kata.id), now)
        key = (u > 0, u * kata.stars if u > 0 else u, kata.stars, -order)
        if best_key is None or key > best_key:
            best, best_key = kata, key
    return best
