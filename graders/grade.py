"""Grade one kata: static check, then the hidden tests against an isolated worker, then one status.

    result = grade(kata, paths, solution_path)      # -> KataResult
"""

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from graders.session import Worker
from graders.static_check import check_source

KATA_STATUSES = ("passed", "failed", "error", "timeout", "memory", "disallowed", "not_attempted")
SEVERITY = ("timeout", "memory", "error")  # the first present among the tests names the kata's status


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


def grade(kata, paths, solution_path=None, on_result=None, backend=None, spawner=None):
    """Grade `solution_path` (default: solutions/<kata>.py) against the hidden tests of `kata`.
    `backend` defaults to an isolated `Worker` (from `spawner`'s warm processes when given);
    the benchmark passes `InProcess` for its baseline."""
    solution_path = Path(solution_path or paths.solution(kata.id))
    started = time.perf_counter()

    def finish(status, tests=(), message="", printed=("", 0)):
        tests = list(tests)
        return KataResult(kata.id, status, sum(t.status == "passed" for t in tests), len(tests),
                          round(time.perf_counter() - started, 3), tests, message, *printed)

    if not solution_path.is_file():
        return finish("not_attempted", message=f"no solution at {solution_path} (start one: nox -s start -- {kata.id})")
    try:
        source = solution_path.read_text(encoding="utf-8")
        findings = check_source(source, kata.forbidden)
    except UnicodeDecodeError:
        return finish("error", message=f"{solution_path} is not UTF-8 text")
    except SyntaxError as e:
        return finish("error", message=f"{solution_path}:{e.lineno}: syntax error: {e.msg}")
    if findings:
        return finish("disallowed", message="\n".join(f.describe(solution_path) for f in findings))

    backend = backend or Worker(solution_path, kata.memory_mb, spawner)
    backend.start()  # the worker imports NumPy and the solution while the judge imports pytest
    from graders.plugin import GradingPlugin, status_of

    plugin = GradingPlugin(kata, backend, on_result=on_result)
    try:
        exit_code = _run_pytest(paths.kata_dir(kata.id), plugin)
    finally:
        backend.close()
    printed = backend.printed()
    if exit_code not in (0, 1) or not plugin.results:
        raise GraderError(f"the hidden tests of {kata.id} did not run (pytest exit code {exit_code}); "
                          "this is a bug in the grader, not in your solution")
    if plugin.load_problem is not None:
        status, message = status_of(plugin.load_problem)
        status = status if status in ("timeout", "memory") else "error"
        return finish(status, plugin.results, f"importing the solution failed: {message}", printed)
    return finish(kata_status(plugin.results), plugin.results, printed=printed)


def _run_pytest(kata_dir, plugin):
    import pytest

    args = [str(kata_dir), "--disable-plugin-autoload", "-p", "pytest_timeout", "-p", "no:cacheprovider",
            "-p", "no:terminal", "-p", "no:stepwise", "-p", "no:doctest", "-p", "no:junitxml", "-p", "no:pastebin",
            "-p", "no:nose", "-p", "no:legacypath",
            "--import-mode=importlib", "-o", "addopts=", "--rootdir", str(kata_dir.parent.parent)]
    return int(pytest.main(args, plugins=[plugin]))


def write_json(result, path):
    """Write a result atomically (a crash never leaves half a file behind)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result.to_json(), indent=2) + "\n")
    os.replace(tmp, path)
