"""The learner's progress: one local file (.progress/progress.json, git-ignored), versioned and
written atomically. Per kata: the clock `start` starts, every graded attempt, the full passes timed
from the start (with the hints used), give-ups, and when the kata is next due.

    store = ProgressStore.load(paths.progress_file, now)   # never raises: a bad file is kept aside
    store.started("attention", now);  store.graded("attention", result, now);  store.save()

Spaced repetition (SM-2-like): a kata solved inside its interview minutes, without hints, comes back
after an interval that grows 2.5x with each such solve (1, 2.5, 6, 16 days ...); a slow solve or a
solve with hints comes back the next day; a failed grade or a give-up makes it due at once.
"""

import json
import math
import os
import time
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
    clock_started: float | None = None   # epoch seconds of `start`; None once solved or never started
    hints: int = 0                       # hints revealed since the clock started
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

    def last_practised(self):
        return max([a["at"] for a in self.attempts] + self.gave_up, default=None)


class ProgressStore:
    def __init__(self, path, katas=None, warning=""):
        self.path = Path(path)
        self.katas = katas or {}
        self.warning = warning   # set when the file on disk was unreadable and was kept aside

    # -- reading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, path, now=None):
        """The store at `path` (empty if absent). A file that is not a valid progress file is never
        lost: it is renamed to progress.json.bad-<time> and a fresh store starts, with a warning."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(path, _parse(data))
        except FileNotFoundError:
            return cls(path)
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as e:
            problem = f"{type(e).__name__}: {e}" if not isinstance(e, ValueError) else str(e)
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
        """`start`: the clock starts (restart: again from now, hints reset)."""
        record = self.kata(kata_id)
        if restart or record.clock_started is None:
            record.clock_started, record.hints = now, 0

    def graded(self, kata_id, result, now, minutes):
        """A grade of the learner's own solution. A full pass with the clock running is a solve:
        timed, and it sets the next due date. -> the solve's seconds, or None."""
        record = self.kata(kata_id)
        elapsed = None if record.clock_started is None else max(0.0, now - record.clock_started)
        record.attempts.append({"at": now, "status": result.status, "passed": result.passed,
                                "total": result.total, "elapsed_s": elapsed})
        del record.attempts[:-MAX_ATTEMPTS]
        if result.status != "passed":
            record.interval_days, record.due = 0.0, now
            return None
        if elapsed is None:
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
        record = self.kata(kata_id)
        record.gave_up.append(now)
        record.interval_days, record.due = 0.0, now

    # -- writing ---------------------------------------------------------------------------------
    def save(self):
        """Write atomically: a temporary file beside the target, fsync'd, then renamed over it, so a
        kill at any moment leaves the old file or the new one, never half of one."""
        data = {"version": VERSION, "katas": {k: vars(r) for k, r in sorted(self.katas.items())}}
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as e:
            try:
                tmp.unlink()
            except OSError:
                pass
            raise ProgressError(f"could not write {self.path} ({e.strerror or e})") from None


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
