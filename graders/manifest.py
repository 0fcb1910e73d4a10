"""kata.yaml: load it and validate every entry, with errors that name the kata and the field."""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

FRAMEWORKS = ("numpy", "torch", "python")
DIFFICULTIES = ("easy", "medium", "hard")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
DOTTED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
LEVEL_FILES = ("same", "fresh")   # a level extends the kata's solution file, or is written in a file of its own
MARK = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\(([A-Za-z_][A-Za-z0-9_]*)\))?$")  # name, or name(parameter)


class ManifestError(Exception):
    """kata.yaml is unreadable or an entry breaks the schema."""


@dataclass(frozen=True)
class FollowUp:
    question: str   # what an interviewer asks once the kata is solved
    answer: str     # a model answer, as a strong candidate gives it


@dataclass(frozen=True)
class Level:
    """A graded follow-up: level 2, 3, ... of a kata (level 1 is the kata itself)."""
    id: str             # `gqa` in `multihead:gqa`
    title: str
    minutes: int        # the time an interviewer leaves for it
    file: str           # "same": the learner extends solutions/<kata>.py; "fresh": solutions/<kata>.<level>.py
    functions: tuple    # marks: `name` or `name(parameter)`; a file that defines any of them has attempted the level

    def marks(self):
        """[(name, parameter or None)] of `functions`."""
        return [MARK.match(mark).groups() for mark in self.functions]


@dataclass(frozen=True)
class Kata:
    id: str
    title: str
    stars: int
    difficulty: str
    companies: tuple
    minutes: int
    frameworks: dict    # framework -> the dotted names its attempts may not use; the first is the default
    timeout_s: float
    kata_timeout_s: float
    memory_mb: int
    follow_ups: tuple   # of FollowUp
    levels: tuple = ()  # of Level: the graded follow-ups, in the order an interviewer asks them

    @property
    def framework(self):
        """The default framework: the one of solutions/<id>.py."""
        return next(iter(self.frameworks))

    @property
    def forbidden(self):
        """The default framework's forbidden list."""
        return self.frameworks[self.framework]

    def forbidden_for(self, framework):
        return self.frameworks[framework]

    def level(self, level_id):
        """The Level named `level_id`, or None."""
        return next((level for level in self.levels if level.id == level_id), None)


def _positive_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def _positive_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0


def _string_list(v, pattern=None, nonempty=True):
    return (isinstance(v, list) and (v or not nonempty)
            and all(isinstance(s, str) and s.strip() and (pattern is None or pattern.match(s)) for s in v))


# field -> (check, what a valid value is)
SCHEMA = {
    "id": (lambda v: isinstance(v, str) and ID_PATTERN.match(v), "a lowercase identifier like 'kv_cache'"),
    "title": (lambda v: isinstance(v, str) and v.strip(), "a non-empty string"),
    "stars": (lambda v: _positive_int(v) and v <= 5, "an integer from 1 to 5"),
    "difficulty": (lambda v: v in DIFFICULTIES, f"one of {', '.join(DIFFICULTIES)}"),
    "companies": (_string_list, "a non-empty list of names"),
    "minutes": (lambda v: _positive_int(v) and v <= 120, "an integer number of minutes from 1 to 120"),
    "frameworks": (lambda v: isinstance(v, dict) and v, "a mapping from framework to {forbidden: [...]}, the default "
                   f"first, e.g. {{numpy: {{forbidden: [torch]}}, torch: {{forbidden: [numpy]}}}} ({', '.join(FRAMEWORKS)})"),
    "timeout_s": (_positive_number, "a positive number of seconds"),
    "kata_timeout_s": (_positive_number, "a positive number of seconds"),
    "memory_mb": (lambda v: _positive_int(v) and v >= 256, "an integer number of MiB, at least 256"),
    "follow_ups": (lambda v: isinstance(v, list) and v, "a non-empty list of {question: ..., answer: ...}"),
}
OPTIONAL = {"levels": []}   # field -> its value when absent
LEVEL_SCHEMA = {
    "id": (lambda v: isinstance(v, str) and ID_PATTERN.match(v) and v not in FRAMEWORKS,
           "a lowercase identifier like 'gqa' (not a framework's name)"),
    "title": (lambda v: isinstance(v, str) and v.strip(), "a non-empty string"),
    "minutes": (lambda v: _positive_int(v) and v <= 120, "an integer number of minutes from 1 to 120"),
    "file": (lambda v: v in LEVEL_FILES, "same (the learner extends the kata's file) or fresh (a file of its own)"),
    "functions": (lambda v: _string_list(v, MARK), "a non-empty list of the names that mark it attempted, each "
                  "`name` or `name(parameter)` (a new parameter of an existing function)"),
}


def load_manifest(path):
    """Path to kata.yaml -> {id: Kata}, in manifest order. Raises ManifestError."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ManifestError(f"{path}: cannot be read ({e})") from None
    except yaml.YAMLError as e:
        raise ManifestError(f"{path}: not valid YAML ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("katas"), list):
        raise ManifestError(f"{path}: expected a top-level `katas:` list")
    katas = {}
    for i, entry in enumerate(data["katas"]):
        kata = _validate(entry, where=f"{path}: katas[{i}]")
        if kata.id in katas:
            raise ManifestError(f"{path}: kata '{kata.id}' appears twice")
        katas[kata.id] = kata
    return katas


def _validate(entry, where):
    if not isinstance(entry, dict):
        raise ManifestError(f"{where}: expected a mapping of fields, got {type(entry).__name__}")
    name = entry.get("id") if isinstance(entry.get("id"), str) else where
    label = f"kata '{name}'" if name != where else where
    old = [field for field in ("framework", "forbidden") if field in entry]
    if old:
        raise ManifestError(f"{label}: field '{old[0]}' is now part of 'frameworks', a mapping from framework to its "
                            "forbidden list, the default first: frameworks: {numpy: {forbidden: [torch, ...]}}")
    unknown = sorted(set(entry) - set(SCHEMA) - set(OPTIONAL), key=str)
    if unknown:
        raise ManifestError(f"{label}: unknown field '{unknown[0]}' (fields: {', '.join([*SCHEMA, *OPTIONAL])})")
    for field, (check, meaning) in SCHEMA.items():
        if field not in entry:
            raise ManifestError(f"{label}: missing field '{field}' ({meaning})")
        if not check(entry[field]):
            raise ManifestError(f"{label}: field '{field}' is {entry[field]!r}; expected {meaning}")
    if entry["kata_timeout_s"] < entry["timeout_s"]:
        raise ManifestError(f"{label}: field 'kata_timeout_s' ({entry['kata_timeout_s']}) is below timeout_s ({entry['timeout_s']})")
    for framework in FRAMEWORKS:
        if entry["id"].endswith(f"_{framework}"):
            raise ManifestError(f"{label}: an id may not end in _{framework} (solutions/<id>_{framework}.py is the "
                                f"{framework} attempt of kata '{entry['id'][:-len(framework) - 1]}')")
    values = {f: tuple(v) if isinstance(v, list) else v for f, v in entry.items()}
    return Kata(**{**values, "frameworks": _frameworks(entry["frameworks"], label),
                   "follow_ups": _follow_ups(entry["follow_ups"], label),
                   "levels": _levels(entry.get("levels", OPTIONAL["levels"]), label)})


def _frameworks(mapping, label):
    """The frameworks mapping -> {framework: (forbidden dotted name, ...)}, in manifest order."""
    frameworks = {}
    for name, spec in mapping.items():
        where = f"{label}: field 'frameworks', framework {name!r}"
        if name not in FRAMEWORKS:
            raise ManifestError(f"{where} is unknown; expected one of {', '.join(FRAMEWORKS)}")
        if not (isinstance(spec, dict) and set(spec) == {"forbidden"}):
            raise ManifestError(f"{where}: expected {{forbidden: [...]}}, got {str(spec)[:60]!r}")
        forbidden = spec["forbidden"]
        if not _string_list(forbidden, DOTTED_NAME, nonempty=False):
            raise ManifestError(f"{where}: 'forbidden' is {forbidden!r}; expected a list of dotted names like "
                                "'scipy.special.softmax'")
        if name in forbidden:
            raise ManifestError(f"{where} forbids '{name}' itself: forbid its calls that trivialise the kata "
                                f"(e.g. '{name}.something'), not the framework")
        frameworks[name] = tuple(forbidden)
    return frameworks


def _follow_ups(entries, label):
    """The follow_ups list -> (FollowUp, ...): each entry exactly a question and its model answer."""
    follow_ups = []
    for number, entry in enumerate(entries, 1):
        where = f"{label}: field 'follow_ups', entry {number}"
        if not isinstance(entry, dict):
            raise ManifestError(f"{where} is {str(entry)[:60]!r}; expected {{question: ..., answer: ...}}, "
                                "the question with a model answer")
        if set(entry) != {"question", "answer"}:
            raise ManifestError(f"{where} has the fields {', '.join(map(str, entry))}; expected exactly question and answer")
        for field in ("question", "answer"):
            if not (isinstance(entry[field], str) and entry[field].strip()):
                raise ManifestError(f"{where}: '{field}' is {entry[field]!r}; expected a non-empty string")
        follow_ups.append(FollowUp(entry["question"].strip(), entry["answer"].strip()))
    return tuple(follow_ups)


def _levels(entries, label):
    """The levels list -> (Level, ...): each {id, title, minutes, file, functions}, ids unique."""
    if not isinstance(entries, list):
        raise ManifestError(f"{label}: field 'levels' is {str(entries)[:60]!r}; expected a list of "
                            "{id, title, minutes, file, functions}")
    levels = []
    for number, entry in enumerate(entries, 1):
        where = f"{label}: field 'levels', entry {number}"
        if not isinstance(entry, dict):
            raise ManifestError(f"{where} is {str(entry)[:60]!r}; expected {{id, title, minutes, file, functions}}")
        if isinstance(entry.get("id"), str):
            where = f"{label}: level '{entry['id']}'"
        unknown = sorted(set(entry) - set(LEVEL_SCHEMA), key=str)
        if unknown:
            raise ManifestError(f"{where}: unknown field '{unknown[0]}' (fields: {', '.join(LEVEL_SCHEMA)})")
        for field, (check, meaning) in LEVEL_SCHEMA.items():
            if field not in entry:
                raise ManifestError(f"{where}: missing field '{field}' ({meaning})")
            if not check(entry[field]):
                raise ManifestError(f"{where}: field '{field}' is {entry[field]!r}; expected {meaning}")
        if any(level.id == entry["id"] for level in levels):
            raise ManifestError(f"{where} appears twice")
        levels.append(Level(entry["id"], entry["title"].strip(), entry["minutes"], entry["file"],
                            tuple(entry["functions"])))
    return tuple(levels)
