"""Where a repository keeps things, and which katas it has ready; every command gets a `Paths`,
nothing is global."""

import ast
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

    def level_dir(self, kata_id, level_id):
        """katas/<id>/levels/<level>/: the level's prompts, hidden tests, and its stub or starter."""
        return self.kata_dir(kata_id) / "levels" / level_id

    def level_key_dir(self, kata_id, level_id):
        """graders/keys/<id>/levels/<level>/: the level's answer key, laid out as a kata's."""
        return self.key_dir(kata_id) / "levels" / level_id

    def reference(self, kata_id):
        return self.key_dir(kata_id) / "reference.py"

    def solution(self, kata_id):
        return self.root / "solutions" / f"{kata_id}.py"

    def last_result(self, key):
        """.results/<stem>.json: the latest grade of an attempt (its key's file stem), in the CI results format."""
        return self.root / ".results" / f"{file_stem(key)}.json"

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
LEVEL_SEPARATOR = ":"   # `multihead:gqa`: a kata id never contains it


def file_stem(key):
    """An attempt's key as a file name's stem (no ':', which CI artifacts refuse): softmax:logsumexp -> softmax.logsumexp."""
    return key.replace(LEVEL_SEPARATOR, ".")


def split_target(text):
    """`kata` or `kata:level` as the command line names it -> (kata id, level id or None)."""
    kata_id, _, level_id = text.partition(LEVEL_SEPARATOR)
    return kata_id, level_id or None


@dataclass(frozen=True)
class Attempt:
    """One framework's attempt at a kata. Its key, the solution file's stem, names it everywhere
    (progress, .results/<key>.json, scoreboard rows, CI): `softmax` for the kata's first framework,
    `softmax_torch` for its PyTorch attempt when PyTorch is the second."""
    kata: object        # the manifest's Kata
    framework: str      # one of kata.frameworks
    paths: Paths
    level: object = None  # a manifest Level: this attempt is that graded follow-up (None: the kata itself)

    @property
    def default(self):
        return self.framework == self.kata.framework

    @property
    def name(self):
        """How the command line names it: `softmax`, or `softmax:logsumexp` for a level."""
        return self.kata.id if self.level is None else f"{self.kata.id}{LEVEL_SEPARATOR}{self.level.id}"

    @property
    def key(self):
        """softmax, softmax_torch; a level's: softmax:logsumexp, softmax:logsumexp_torch."""
        return self.name + self.suffix

    @property
    def suffix(self):
        """"" or "_torch": what the key adds to the kata's id (also the starter's and prompt's suffix)."""
        return "" if self.default else f"_{self.framework}"

    @property
    def base(self):
        """The kata's attempt in the same framework (itself when it is no level)."""
        return Attempt(self.kata, self.framework, self.paths)

    @property
    def same_file(self):
        """A level the learner writes in the kata's own solution file."""
        return self.level is not None and self.level.file == "same"

    @property
    def folder(self):
        """What the learner reads: katas/<id>/, or katas/<id>/levels/<level>/."""
        return self.paths.kata_dir(self.kata.id) if self.level is None else self.paths.level_dir(self.kata.id, self.level.id)

    @property
    def key_folder(self):
        """The answer key of this framework: graders/keys/<id>/[levels/<level>/][<framework>/]."""
        root = self.paths.key_dir(self.kata.id) if self.level is None else self.paths.level_key_dir(self.kata.id, self.level.id)
        return root / ("" if self.default else self.framework)

    @property
    def solution_path(self):
        """solutions/<key>.py; a same-file level's is its kata's, a fresh level's solutions/softmax.logsumexp.py."""
        return self.base.solution_path if self.same_file else self.paths.solution(file_stem(self.key))

    @property
    def starter_path(self):
        """The starter `start` copies (a fresh level's: its own); a same-file level's stub, appended to the
        kata's file (stub.py, stub_torch.py; it may have none: a level that adds a parameter)."""
        return self.folder / f"{'stub' if self.same_file else 'starter'}{self.suffix}.py"

    @property
    def prompt_path(self):
        """katas/<id>/prompt.md, or prompt_<framework>.md for a second framework (a level's in its folder)."""
        return self.folder / f"prompt{self.suffix}.md"

    @property
    def hints_path(self):
        return self.folder / "hints.md"

    @property
    def reference_path(self):
        """The answer key's reference: graders/keys/<id>/reference.py, or .../<framework>/reference.py."""
        return self.key_folder / "reference.py"

    @property
    def minutes(self):
        return self.kata.minutes if self.level is None else self.level.minutes

    @property
    def title(self):
        return self.kata.title if self.level is None else self.level.title

    @property
    def label(self):
        """How a row names it: `softmax` alone for a one-framework kata, else `softmax (PyTorch)`."""
        return self.name if len(self.kata.frameworks) == 1 else f"{self.name} ({FRAMEWORK_LABELS[self.framework]})"

    def command_args(self):
        """The command line's arguments that name this attempt: [softmax:logsumexp] or [softmax, --torch]."""
        return [self.name, *(["--torch"] if not self.default else [])]

    def attempted(self, path=None):
        """Whether `path` (default: the attempt's file) holds an attempt at it: the file exists, and for a
        same-file level it defines one of the level's marks (a function, or a parameter of one)."""
        path = path or self.solution_path
        if not path.is_file():
            return False
        return not self.same_file or defines_any(path, self.level.marks())

    def levels(self):
        """The attempts at this kata's levels, in this framework."""
        return [Attempt(self.kata, self.framework, self.paths, level) for level in self.kata.levels]

    @property
    def forbidden(self):
        return self.kata.forbidden_for(self.framework)


def attempts_of(kata, paths):
    """The attempts a learner can make at `kata`: its first framework, and each other framework of
    its manifest entry whose starter (katas/<id>/starter_<framework>.py) exists."""
    attempts = [Attempt(kata, framework, paths) for framework in kata.frameworks]
    return [a for a in attempts if a.default or a.starter_path.is_file()]


def defines_any(path, marks):
    """Whether the Python file `path` defines, at its top level, one of `marks` [(name, parameter or None)]:
    a function or class `name` (the parameter: of the function, or of the class's __init__). A file
    that does not parse defines nothing."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return False
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
            node_args = init.args if init else None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node_args = node.args
        else:
            continue
        names = set() if node_args is None else {a.arg for a in [*node_args.posonlyargs, *node_args.args, *node_args.kwonlyargs]}
        if any(node.name == name and (parameter is None or parameter in names) for name, parameter in marks):
            return True
    return False


def attempt_of(kata, framework, paths):
    """The attempt at `kata` in `framework` (None: the first); UsageError when the kata has none in it."""
    for attempt in attempts_of(kata, paths):
        if framework in (None, attempt.framework):
            return attempt
    frameworks = ", ".join(FRAMEWORK_LABELS[a.framework] for a in attempts_of(kata, paths))
    raise UsageError(f"kata '{kata.id}' has no {FRAMEWORK_LABELS.get(framework, framework)} version yet "
                     f"(it is done in {frameworks})")


def chosen_attempt(args, katas, paths):
    """The attempt a one-kata command is about: `args.kata` (`kata` or `kata:level`), in PyTorch with --torch."""
    check_kata_ids([args.kata], katas, paths)
    kata_id, level_id = split_target(args.kata)
    attempt = attempt_of(katas[kata_id], "torch" if getattr(args, "torch", False) else None, paths)
    return attempt if level_id is None else Attempt(attempt.kata, attempt.framework, paths, katas[kata_id].level(level_id))


def attempt_by_key(key, katas, paths):
    """The attempt whose key is `key`, or None: `softmax`, `softmax_torch`, `softmax:logsumexp_torch`."""
    kata_id, _ = split_target(key)
    for kata in katas.values():
        if kata_id == kata.id or kata_id.startswith(kata.id + "_"):
            found = [a for base in attempts_of(kata, paths) for a in [base, *base.levels()] if a.key == key]
            if found:
                return found[0]
    return None


def ready_katas(katas, paths):
    """Ids of the katas whose hidden tests exist, in manifest order."""
    return [k for k in katas if (paths.kata_dir(k) / "starter.py").is_file()]


def check_kata_ids(ids, katas, paths):
    """Raise UsageError for an id that is not a ready kata, or a `kata:level` that names no level of it
    (suggesting the nearest one)."""
    ready = ready_katas(katas, paths)
    coming = [k for k in katas if k not in ready]
    for target in ids:
        kata_id, level_id = split_target(target)
        if kata_id not in katas:
            near = difflib.get_close_matches(kata_id.lower(), list(katas), n=1, cutoff=0.6)
            hint = f"did you mean '{near[0]}'? " if near else ""
            raise UsageError(f"unknown kata '{kata_id}'; {hint}the katas are: {', '.join(ready)}"
                             + (f" (and, coming later: {', '.join(coming)})" if coming else ""))
        if kata_id not in ready:
            raise UsageError(f"kata '{kata_id}' has no hidden tests yet; ready now: {', '.join(ready)}")
        if target.endswith(LEVEL_SEPARATOR) or level_id is not None and katas[kata_id].level(level_id) is None:
            levels = [level.id for level in katas[kata_id].levels]
            near = difflib.get_close_matches(level_id or "", levels, n=1, cutoff=0.6)
            hint = f"did you mean '{kata_id}:{near[0]}'? " if near else ""
            raise UsageError(f"kata '{kata_id}' has no level '{level_id or ''}'; {hint}"
                             + (f"its levels are: {', '.join(f'{kata_id}:{l}' for l in levels)}" if levels
                                else "it has no graded follow-up yet"))


def nox_command(session, *args):
    """`nox -s SESSION -- ARGS` as the learner can run it again from a fresh shell at the repository's
    root: nox as it was called (KATA_NOX, set by the noxfile: `.venv/bin/nox` when nox is not on PATH)."""
    nox = os.environ.get("KATA_NOX") or "nox"
    return f"{nox} -s {session}" + (f" -- {' '.join(args)}" if args else "")
