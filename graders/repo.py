"""Where a repository keeps things, and which katas it has ready; every command gets a `Paths`,
nothing is global."""

import difflib
import os
from dataclasses import dataclass
from pathlib import Path


# The files in solutions/ that make `nox` and `python -m graders` work there too (they run the root's):
# shipped with the repository, never an attempt at a kata.
FORWARDERS = ("noxfile.py", "graders.py")


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


FRAMEWORK_LABELS = {"numpy": "NumPy", "torch": "PyTorch", "python": "Python"}


@dataclass(frozen=True)
class Attempt:
    """One framework's attempt at a kata. Its key, the solution file's stem, names it everywhere
    (progress, .results/<key>.json, scoreboard rows, CI): `softmax` for the kata's first framework,
    `softmax_torch` for its PyTorch attempt when PyTorch is the second."""
    kata: object        # the manifest's Kata
    framework: str      # one of kata.frameworks
    paths: Paths

    @property
    def default(self):
        return self.framework == self.kata.framework

    @property
    def key(self):
        return self.kata.id if self.default else f"{self.kata.id}_{self.framework}"

    @property
    def suffix(self):
        """"" or "_torch": what the key adds to the kata's id (also the starter's and prompt's suffix)."""
        return "" if self.default else f"_{self.framework}"

    @property
    def solution_path(self):
        return self.paths.solution(self.key)

    @property
    def starter_path(self):
        return self.paths.kata_dir(self.kata.id) / f"starter{self.suffix}.py"

    @property
    def prompt_path(self):
        """katas/<id>/prompt.md, or prompt_<framework>.md for a second framework."""
        return self.paths.kata_dir(self.kata.id) / f"prompt{self.suffix}.md"

    @property
    def reference_path(self):
        """The answer key's reference: graders/keys/<id>/reference.py, or .../<framework>/reference.py."""
        return self.paths.key_dir(self.kata.id) / ("" if self.default else self.framework) / "reference.py"

    @property
    def label(self):
        """How a row names it: `softmax` alone for a one-framework kata, else `softmax (PyTorch)`."""
        return self.kata.id if len(self.kata.frameworks) == 1 else f"{self.kata.id} ({FRAMEWORK_LABELS[self.framework]})"

    @property
    def forbidden(self):
        return self.kata.forbidden_for(self.framework)


def attempts_of(kata, paths):
    """The attempts a learner can make at `kata`: its first framework, and each other framework of
    its manifest entry whose starter (katas/<id>/starter_<framework>.py) exists."""
    attempts = [Attempt(kata, framework, paths) for framework in kata.frameworks]
    return [a for a in attempts if a.default or a.starter_path.is_file()]


def attempt_of(kata, framework, paths):
    """The attempt at `kata` in `framework` (None: the first); UsageError when the kata has none in it."""
    for attempt in attempts_of(kata, paths):
        if framework in (None, attempt.framework):
            return attempt
    frameworks = ", ".join(FRAMEWORK_LABELS[a.framework] for a in attempts_of(kata, paths))
    raise UsageError(f"kata '{kata.id}' has no {FRAMEWORK_LABELS.get(framework, framework)} version yet "
                     f"(it is done in {frameworks})")


def chosen_attempt(args, katas, paths):
    """The attempt a one-kata command is about: `args.kata`, in PyTorch with --torch."""
    check_kata_ids([args.kata], katas, paths)
    return attempt_of(katas[args.kata], "torch" if getattr(args, "torch", False) else None, paths)


def attempt_by_key(key, katas, paths):
    """The attempt whose key (a solution file's stem) is `key`, or None: `softmax`, `softmax_torch`."""
    for kata in katas.values():
        if key == kata.id or key.startswith(kata.id + "_"):
            found = [a for a in attempts_of(kata, paths) if a.key == key]
            if found:
                return found[0]
    return None


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
