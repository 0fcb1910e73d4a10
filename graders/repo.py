"""Where a repository keeps things, and which katas it has ready; every command gets a `Paths`,
nothing is global."""

import difflib
import os
from dataclasses import dataclass
from pathlib import Path


class UsageError(Exception):
    """A command line that names something that does not exist; exit code 2."""


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def manifest(self):
        return self.root / "kata.yaml"

    def kata_dir(self, kata_id):
        """katas/<id>/: prompt.md, starter.py, the hidden tests test_*.py."""
        return self.root / "katas" / kata_id

    def key_dir(self, kata_id):
        """graders/keys/<id>/: the answer key (reference.py, mutants/, alternatives/, test_oracle.py)."""
        return self.root / "graders" / "keys" / kata_id

    def reference(self, kata_id):
        return self.key_dir(kata_id) / "reference.py"

    def solution(self, kata_id):
        return self.root / "solutions" / f"{kata_id}.py"

    def last_result(self, kata_id):
        """.results/<id>.json: the latest grade of solutions/<id>.py, in the CI results format."""
        return self.root / ".results" / f"{kata_id}.json"

    @property
    def progress_file(self):
        """.progress/progress.json: attempts, times, hints, schedule (graders/progress.py)."""
        return self.root / ".progress" / "progress.json"

    def shown(self, path):
        """`path` as a learner reads it: relative to the repository when inside it (solutions/attention.py)."""
        path, root = Path(os.path.abspath(path)), Path(os.path.abspath(self.root))
        return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)

    def history(self, kata_id, stamp):
        """Where `start --fresh` archives an attempt (never deleted)."""
        return self.root / "solutions" / ".history" / f"{kata_id}-{stamp}.py"

    def interview_answers(self, kata_id, stamp):
        """Where a mock interview keeps the learner's answers to the follow-up questions (never overwritten)."""
        return self.root / "solutions" / ".interview" / f"{kata_id}-{stamp}.md"


def ready_katas(katas, paths):
    """Ids of the katas whose hidden tests exist, in manifest order."""
    return [k for k in katas if (paths.kata_dir(k) / "starter.py").is_file()]


def check_kata_ids(ids, katas, paths):
    """Raise UsageError for an id that is not a ready kata (suggesting the nearest one)."""
    ready = ready_katas(katas, paths)
    coming = [k for k in katas if k not in ready]
    for kata_id in ids:
        if kata_id not in katas:
            near = difflib.get_close_matches(kata_id.lower(), list(katas), n=1, cutoff=0.6)
            hint = f"did you mean '{near[0]}'? " if near else ""
            raise UsageError(f"unknown kata '{kata_id}'; {hint}the katas are: {', '.join(ready)}"
                             + (f" (and, coming later: {', '.join(coming)})" if coming else ""))
        if kata_id not in ready:
            raise UsageError(f"kata '{kata_id}' has no hidden tests yet; ready now: {', '.join(ready)}")


def nox_command(session, *args):
    """`nox -s SESSION -- ARGS` as the learner can run it again from a fresh shell at the repository's
    root: nox as it was called (KATA_NOX, set by the noxfile: `.venv/bin/nox` when nox is not on PATH)."""
    nox = os.environ.get("KATA_NOX") or "nox"
    return f"{nox} -s {session}" + (f" -- {' '.join(args)}" if args else "")
