"""Grade one kata: static check, then the hidden tests against an isolated worker, then one status.

    result = grade(kata, paths, solution_path, spawner=Spawner(detect("auto")))      # -> KataResult
"""

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from graders.repo import FRAMEWORK_LABELS, Attempt, nox_command
from graders.report import printable
from graders.session import Worker
from graders.static_check import check_source

KATA_STATUSES = ("passed", "failed", "error", "timeout", "memory", "disallowed", "not_attempted")
SEVERITY = ("timeout", "memory", "error")  # the first present among the tests names the kata's status
SOLUTIONS_FOLDER = "solutions"  # a solution in a folder so named may import the *.py files beside it


class GraderError(Exception):
    """The hidden tests themselves are broken (a maintainer's bug, not the learner's)."""


@dataclass
class KataResult:
    kata: str
    status: str
    passed: int
    total: int
    duration_s: float
    tests: list = field(default_factory=list)
    message: str = ""        # the kata-level reason: an import error, a forbidden call
    sandbox: bool = False    # the worker ran in the OS sandbox
    sandbox_note: str = ""   # when not: why, and the command that fixes it
    printed: str = ""        # the first bytes the solution printed (report only, not in JSON)
    printed_bytes: int = 0

    def to_json(self):
        data = asdict(self)
        del data["printed"], data["printed_bytes"]
        return data


def kata_status(tests):
    statuses = {t.status for t in tests}
    if statuses == {"passed"}:
        return "passed"
    if statuses == {"not_attempted"} or not statuses:
        return "not_attempted"
    return next((s for s in SEVERITY if s in statuses), "failed")


def grade(kata, paths, solution_path=None, on_result=None, backend=None, spawner=None, framework=None,
          fresh_seed=None, level=None):
    """Grade `solution_path` (default: the attempt's file, solutions/<key>.py) as an attempt in
    `framework` (default: the kata's first) against the hidden tests of `kata`, or of its `level` (a
    manifest Level: katas/<id>/levels/<level>/, with the kata's limits and forbidden list). The
    solution runs in a `Worker` from `spawner` (which holds the sandbox); the benchmark passes
    `backend=InProcess(...)` for its unisolated baseline instead. `fresh_seed`: also run each seeded
    test on inputs drawn from it (graders/plugin.py)."""
    attempt = Attempt(kata, framework or kata.framework, paths, level)
    solution_path = Path(solution_path or attempt.solution_path)
    sandbox = spawner.sandbox if backend is None else None
    started = time.perf_counter()

    def finish(status, tests=(), message="", printed=("", 0)):
        tests = list(tests)
        text, size = printed
        return KataResult(attempt.key, status, sum(t.status == "passed" for t in tests), len(tests),
                          round(time.perf_counter() - started, 3), tests, printable(message),
                          bool(sandbox and sandbox.enabled), sandbox.note() if sandbox else "in-process (benchmark)",
                          printable(text), size)

    if not solution_path.is_file():
        return finish("not_attempted",
                      message=f"no solution at {solution_path} (start one: {start_command(attempt)})")
    try:
        source = solution_path.read_text(encoding="utf-8")
        findings = check_source(source, attempt.forbidden)
    except UnicodeDecodeError:
        return finish("error", message=f"{solution_path} is not UTF-8 text")
    except OSError as e:
        return finish("error", message=f"{solution_path} cannot be read ({e.strerror or e})")
    except SyntaxError as e:
        return finish("error", message=syntax_error_message(solution_path, e))
    if findings:
        return finish("disallowed", message="\n".join(describe_finding(f, solution_path, attempt) for f in findings))
    if not attempt.attempted(solution_path):  # a same-file level whose functions the file does not define yet
        marks = " or ".join(f"`{mark}`" for mark in level.functions)
        return finish("not_attempted", message=f"{solution_path} does not define {marks} yet "
                                               f"(the level's problem: {nox_command('prompt', *attempt.command_args())})")

    if backend is None and spawner is None:
        raise ValueError("grade() needs a spawner (graders.session.Spawner) or a backend")
    guarded = sandbox is not None and not sandbox.enabled  # unsandboxed: the solution could rewrite the judge
    before = judge_fingerprint(paths, kata.id) if guarded else None
    in_solutions = solution_path.resolve().parent.name == SOLUTIONS_FOLDER  # its sibling *.py are shown too
    backend = backend or Worker(solution_path, kata.memory_mb, spawner, forbidden=attempt.forbidden,
                                siblings=in_solutions, framework=seam_framework(attempt))
    backend.start()  # the worker imports NumPy and the solution while the judge imports pytest
    from graders.plugin import GradingPlugin, status_of

    plugin = GradingPlugin(kata, backend, on_result=on_result, fresh_seed=fresh_seed, framework=attempt.framework)
    try:
        exit_code = _run_pytest(attempt.folder, plugin, paths.root)
    finally:
        backend.close()
    printed = backend.printed()
    if guarded and judge_fingerprint(paths, kata.id) != before:
        return finish("error", plugin.results, "the solution changed the grader's files (hidden tests, grader or "
                      "manifest) while it was graded: the result is refused. Restore them with git "
                      "(git status; git checkout -- katas graders kata.yaml)", printed)
    if exit_code not in (0, 1) or not plugin.results:
        raise GraderError(f"the hidden tests of {attempt.name} did not run (pytest exit code {exit_code}); "
                          "this is a bug in the grader, not in your solution")
    used = forbidden_uses(backend.reports(), attempt.forbidden)
    if used:
        return finish("disallowed", plugin.results, "\n".join(f"{solution_path}: {u}" for u in used), printed)
    if plugin.load_problem is not None:
        status, message = status_of(plugin.load_problem)
        status = status if status in ("timeout", "memory") else "error"
        return finish(status, plugin.results, f"importing the solution failed: {message}", printed)
    kills = getattr(backend, "memory_kills", 0)
    if kills and kata_status(plugin.results) in ("passed", "failed"):
        return finish("memory", plugin.results, f"the solution's processes and files went over the kata's {kata.memory_mb} MB "
                      f"together: the sandbox's memory cap killed {kills} of its processes", printed)
    return finish(kata_status(plugin.results), plugin.results, printed=printed)


def grader_failure(kata, error, sandbox, key=None):
    """The result of a kata whose hidden tests did not run (a GraderError): `error` with the reason, so
    the run still writes its JSON, exits 1 and grades the katas after it; `key`: the attempt's."""
    return KataResult(key or kata.id, "error", 0, 0, 0.0, message=printable(str(error)), sandbox=sandbox.enabled,
                      sandbox_note=sandbox.note())


def forbidden_uses(reported, forbidden):
    """The worker's reports (`kind<TAB>name<TAB>rule` lines, written the moment the solution used a
    forbidden import or call) -> one sentence per distinct use of one of the kata's rules. Written by
    the solution's process, so the judge keeps only lines that name a rule of this kata; anything
    else on the report pipe is itself a sign of tampering."""
    uses = []
    for line in reported.decode(errors="replace").splitlines():
        kind, _, rest = line.partition("\t")
        name, _, rule = rest.partition("\t")
        if rule not in forbidden or not (name == rule or name.startswith(rule + ".")):
            sentence = "something in the solution wrote to the grader's report pipe"
        elif kind == "import":
            sentence = (f"importing `{name}` at run time (by a name the static check cannot read) uses {rule}, "
                        "which this kata forbids")
        else:
            sentence = f"`{rule}` called at run time (reached by a name the static check cannot read), which this kata forbids"
        if sentence not in uses:
            uses.append(sentence)
    return uses


def seam_framework(attempt):
    """The framework the worker's seam converts to and checks (kataworker/frameworks.py): the attempt's,
    when the kata's hidden tests speak NumPy; None when they speak the solution's own language."""
    return attempt.framework if attempt.kata.framework == "numpy" else None


def start_command(attempt):
    return nox_command("start", *attempt.command_args())


def describe_finding(finding, path, attempt):
    """A static-check finding as one line; importing another framework of the kata says which file is for it."""
    other = finding.rule if finding.rule in attempt.kata.frameworks and finding.rule != attempt.framework else None
    if other is None:
        return finding.describe(path)
    other_attempt = Attempt(attempt.kata, other, attempt.paths)
    return (f"{path}:{finding.line}: `{finding.code}` imports {other}: this is the {FRAMEWORK_LABELS[attempt.framework]} "
            f"attempt, which uses {attempt.framework} only (the {FRAMEWORK_LABELS[other]} attempt is "
            f"{attempt.paths.shown(other_attempt.solution_path)})")


def syntax_error_message(path, error):
    """`path:line: syntax error: msg`, then the line and a caret under the column, as Python shows it."""
    message = f"{path}:{error.lineno}: syntax error: {error.msg} (the file does not parse, so no test ran)"
    if error.text:
        line = error.text.rstrip("\n")
        stripped = line.lstrip()
        caret = max(0, (error.offset or 1) - 1 - (len(line) - len(stripped)))
        message += f"\n    {stripped}\n    {' ' * min(caret, len(stripped))}^"
    return message


def judge_fingerprint(paths, kata_id):
    """A hash of every file the judge reads or runs for `kata_id` (the manifest, the engine, the
    kata's hidden tests and answer key, any conftest.py or configuration at the root): to refuse a
    result when an unsandboxed solution changed them. The mutants and alternatives are not read."""
    key = paths.key_dir(kata_id)
    files = [paths.manifest, *paths.root.glob("conftest.py"), *paths.root.glob("*.toml"), *paths.root.glob("*.ini"),
             *(paths.root / "graders").glob("*.py"), *(paths.root / "graders" / "kataworker").rglob("*"),
             *(paths.root / "graders" / "keys").glob("*.py"), *paths.root.glob("katas/*.py"),
             *(f for f in key.rglob("*") if not {"mutants", "alternatives"} & set(f.relative_to(key).parts)),
             *paths.kata_dir(kata_id).rglob("*")]
    digest = hashlib.sha256()
    for f in sorted(set(files)):
        if "__pycache__" in f.parts or not f.is_file():
            continue
        digest.update(str(f.relative_to(paths.root)).encode() + b"\0")
        try:
            digest.update(hashlib.sha256(f.read_bytes()).digest())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


def _run_pytest(kata_dir, plugin, root=None):
    """Run the hidden tests katas/<id>/test_*.py (a level's in its own folder; never a sub-folder's)."""
    import pytest

    tests = [str(f) for f in sorted(Path(kata_dir).glob("test_*.py"))] or [str(kata_dir)]
    root = root or Path(kata_dir).parent.parent
    args = [*tests, "--disable-plugin-autoload", "--noconftest", "-p", "no:cacheprovider",
            "-p", "no:terminal", "-p", "no:stepwise", "-p", "no:doctest", "-p", "no:junitxml", "-p", "no:pastebin",
            "-p", "no:nose", "-p", "no:legacypath", "-p", "no:unraisableexception", "-p", "no:threadexception",
            "--import-mode=importlib", "-o", "addopts=", "--rootdir", str(root)]
    ctrl_c = _CtrlC()
    exit_code = int(pytest.main(args, plugins=[plugin, ctrl_c]))
    if ctrl_c.seen:  # pytest turns Ctrl-C into an exit code: raise it again, it is not a grader bug
        raise KeyboardInterrupt
    return exit_code


class _CtrlC:
    """A pytest plugin that notes a Ctrl-C (KeyboardInterrupt) that pytest caught."""
    seen = False

    def pytest_keyboard_interrupt(self, excinfo):
        import pytest  # pytest's own "errors during collection" is a KeyboardInterrupt too: not a Ctrl-C

        self.seen = isinstance(excinfo.value, KeyboardInterrupt) and not isinstance(excinfo.value, pytest.Session.Interrupted)


def write_json(result, path):
    """Write a result atomically (a crash never leaves half a file behind)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result.to_json(), indent=2) + "\n")
    os.replace(tmp, path)
