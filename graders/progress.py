"""The learner's progress: one local file (.progress/progress.json, git-ignored), versioned and
written atomically. Per kata: the clock `start` starts, every graded attempt, the full passes timed
from the start (with the hints used), give-ups, and when the kata is next due.

    store = ProgressStore.load(paths.progress_file, now)        # a snapshot to read; never raises
    with ProgressStore.update(paths.progress_file, now) as store:  # the only way to change the file
        store.graded("attention", result, now, minutes)

Every change is one read-modify-write under an exclusive lock (flock on progress.json.lock), so
commands running at once (a watch, a start, a hint, several grades) all land.

Spaced repetition (SM-2-like) over timed runs: a run starts with `start` (also `drill`, `interview`)
and ends with a full pass or a give-up. Solved inside the interview minutes without hints, the kata
comes back after an interval that grows 2.5x with each such solve (1, 2.5, 6, 16 days ...); solved
slowly or with hints (taken during the run or before its start), the next day; given up, at once
(once per run). A failing grade during a run makes the kata due at once; the run's interval is
lost (back to 0) only if the run never passes (a new start abandons it). Grades outside a run are
recorded as attempts but leave the interval and the due date alone.
"""

import fcntl
import json
import math
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

VERSION = 1
DAY_S = 86400.0
EASE = 2.5
MAX_ATTEMPTS = 100   # kept per kata; older ones are dropped (solves are kept)


class ProgressError(Exception):
    """The progress file could not be written."""


@dataclass
class KataProgress:
    clock_started: float | None = None   # epoch seconds of `start`; None once solved, given up or never started
    hints: int = 0                       # hints revealed since the last run ended: they count for the next one
    attempts: list = field(default_factory=list)   # {"at", "status", "passed", "total", "elapsed_s"}
    solves: list = field(default_factory=list)     # {"at", "seconds", "hints"}: full passes timed from start
    gave_up: list = field(default_factory=list)    # epoch seconds of each give-up
    interval_days: float = 0.0
    due: float | None = None             # epoch seconds when the kata is next due; None: never practised

    def best_seconds(self):
        return min((s["seconds"] for s in self.solves), default=None)

    def latest(self):
        return self.attempts[-1] if self.attempts else None

    def best(self):
        """The best attempt: a pass first, then the most tests passed; the latest of equals."""
        key = lambda a: (a["status"] == "passed", a["passed"] / a["total"] if a["total"] else 0.0, a["at"])  # noqa: E731
        return max(self.attempts, key=key, default=None)

    def solved(self):
        return any(a["status"] == "passed" for a in self.attempts)

    def latest_timed(self):
        """The latest grade of a timed run (an attempt with a clock running), or None."""
        return next((a for a in reversed(self.attempts) if a["elapsed_s"] is not None), None)

    def run_failed(self):
        """A run is going on and one of its grades did not pass."""
        return self.clock_started is not None and any(
            a["at"] >= self.clock_started and a["status"] != "passed" for a in self.attempts)

    def gave_up_this_run(self):
        """The latest run (going on or ended) was given up already: no start and no solve since."""
        run_began = max(self.clock_started or 0.0, self.solves[-1]["at"] if self.solves else 0.0)
        return bool(self.gave_up) and self.gave_up[-1] >= run_began


class ProgressStore:
    def __init__(self, path, katas=None, warning=""):
        self.path = Path(path)
        self.katas = katas or {}
        self.warning = warning   # set when the file on disk was unreadable and was kept aside

    # -- reading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, path, now=None):
        """A snapshot of the store at `path` to read (empty if absent); changes to it are never saved.
        A file that is not a valid progress file is never lost: under the lock, it is renamed to
        progress.json.bad-<time> and a fresh store starts, with a warning."""
        path = Path(path)
        if not path.exists():
            return cls(path)
        try:
            lock = _lock(path)
        except ProgressError:   # a folder this user cannot write: read what is there, move nothing
            return cls._read(path, now, keep_bad=False)
        with lock:
            return cls._read(path, now)

    @classmethod
    @contextmanager
    def update(cls, path, now=None):
        """`with ProgressStore.update(path) as store:` the store, loaded under an exclusive lock held
        until the block ends, then saved atomically; not saved if the block raises. When the file
        cannot be locked or written, the block still runs, and ProgressError is raised after it."""
        path = Path(path)
        try:
            lock = _lock(path)
        except ProgressError:
            yield cls._read(path, now, keep_bad=False)   # nothing can be saved
            raise
        with lock:
            store = cls._read(path, now)
            yield store
            store._save()

    @classmethod
    def _read(cls, path, now, keep_bad=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(path, _parse(data))
        except FileNotFoundError:
            return cls(path)
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as e:
            problem = f"{type(e).__name__}: {e}" if not isinstance(e, ValueError) else str(e)
        if not keep_bad:
            return cls(path, warning=f"your progress file {path} is unreadable ({problem[:200]})")
        kept = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}")
        try:
            os.replace(path, kept)
            where = f"it was kept as {kept}"
        except OSError as e:
            where = f"it could not be moved aside ({e.strerror}); fix or remove it by hand"
        return cls(path, warning=f"your progress file {path} was unreadable ({problem[:200]}); {where}, "
                                 "and a new one was started")

    def kata(self, kata_id):
        return self.katas.setdefault(kata_id, KataProgress())

    # -- events ----------------------------------------------------------------------------------
    def started(self, kata_id, now, restart=False):
        """`start`: a timed run starts (restart: again from now). Hints already taken count for it.
        Restarting a run that had a failing grade and no pass abandons it: its interval is lost."""
        record = self.kata(kata_id)
        if record.clock_started is not None and not restart:
            return
        if record.run_failed():
            record.interval_days = 0.0
        record.clock_started = now

    def graded(self, kata_id, result, now, minutes):
        """A grade of the learner's own solution, always recorded. Only a grade of a timed run moves
        the schedule: a full pass is a solve (timed; the run ends and sets the next due date), a
        failing grade makes the kata due now. -> the solve's seconds, or None."""
        record = self.kata(kata_id)
        elapsed = None if record.clock_started is None else max(0.0, now - record.clock_started)
        record.attempts.append({"at": now, "status": result.status, "passed": result.passed,
                                "total": result.total, "elapsed_s": elapsed})
        del record.attempts[:-MAX_ATTEMPTS]
        if elapsed is None:
            return None
        if result.status != "passed":
            record.due = now
            return None
        record.solves.append({"at": now, "seconds": elapsed, "hints": record.hints})
        fast = elapsed <= minutes * 60 and record.hints == 0
        record.interval_days = max(1.0, record.interval_days * EASE) if fast else 1.0
        record.due = now + record.interval_days * DAY_S
        record.clock_started, record.hints = None, 0
        return elapsed

    def hinted(self, kata_id):
        record = self.kata(kata_id)
        record.hints += 1
        return record.hints

    def gave_up(self, kata_id, now):
        """A give-up ends the run: due at once, the interval lost. Counted once per run. -> counted?"""
        record = self.kata(kata_id)
        if record.gave_up_this_run():
            return False
        record.gave_up.append(now)
        record.interval_days, record.due = 0.0, now
        record.clock_started, record.hints = None, 0
        return True

    # -- writing (only inside `update`, under the lock) ---------------------------------------------
    def _save(self):
        """Write atomically: a temporary file beside the target, fsync'd, then renamed over it, so a
        kill at any moment leaves the old file or the new one, never half of one."""
        data = {"version": VERSION, "katas": {k: vars(r) for k, r in sorted(self.katas.items())}}
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(json.dumps(data))  # compact: the C encoder (indent would be pure Python, 5x slower)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as e:
            try:
                tmp.unlink()
            except OSError:
                pass
            raise ProgressError(f"could not write {self.path} ({e.strerror or e})") from None


def _lock(path):
    """An open `<path>.lock` (created with its folder) holding an exclusive flock, released when it
    is closed; ProgressError if it cannot be had. The lock file stays: removing it would let two
    writers lock two different files."""
    lock_path = path.with_name(f"{path.name}.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(lock_path, "a")
    except OSError as e:
        raise ProgressError(f"could not lock {lock_path} ({e.strerror or e})") from None
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def _parse(data):
    """A loaded JSON document -> {kata: KataProgress}; raises ValueError for anything unexpected."""
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("katas"), dict):
        raise ValueError(f"not a version-{VERSION} progress file")
    katas = {}
    for kata_id, raw in data["katas"].items():
        if not isinstance(raw, dict) or set(raw) != set(KataProgress.__dataclass_fields__):
            raise ValueError(f"the record of {kata_id!r} has unexpected fields")
        record = KataProgress(**raw)
        _check(record, kata_id)
        katas[kata_id] = record
    return katas


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0


def _check(r, kata_id):
    ok = ((r.clock_started is None or _number(r.clock_started)) and isinstance(r.hints, int) and r.hints >= 0
          and _number(r.interval_days) and (r.due is None or _number(r.due))
          and isinstance(r.gave_up, list) and all(_number(t) for t in r.gave_up)
          and isinstance(r.attempts, list) and all(
              isinstance(a, dict) and set(a) == {"at", "status", "passed", "total", "elapsed_s"} and _number(a["at"])
              and isinstance(a["status"], str) and isinstance(a["passed"], int) and isinstance(a["total"], int)
              and (a["elapsed_s"] is None or _number(a["elapsed_s"])) for a in r.attempts)
          and isinstance(r.solves, list) and all(
              isinstance(s, dict) and set(s) == {"at", "seconds", "hints"} and _number(s["at"])
              and _number(s["seconds"]) and isinstance(s["hints"], int) for s in r.solves))
    if not ok:
        raise ValueError(f"the record of {kata_id!r} has a value of the wrong type")
