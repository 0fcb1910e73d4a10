"""The pytest plugin that grades one kata: gives tests the `solution` proxy, enforces time
limits, and turns each test's outcome into a status (passed, failed, error, timeout, memory,
not_attempted).

    plugin = GradingPlugin(kata, backend)
    pytest.main([kata_dir, ...], plugins=[plugin]);  plugin.results
"""

import time
from dataclasses import dataclass

import pytest

from graders.session import (SolutionCrashed, SolutionMissingName, SolutionNotImplemented,
                             SolutionOutOfMemory, SolutionProblem, SolutionProxy, SolutionTimeout)

CATEGORIES = (
    "correctness", "numerical-stability", "masking", "shapes", "dtype", "edge-case", "errors",
    "side-effects", "determinism", "statistics", "performance", "memory",
)
JUDGE_GRACE_S = 2.0  # pytest-timeout fires this long after the solution's own limit: a judge-side backstop
MESSAGE_CHARS = 2000


@dataclass
class TestResult:
    name: str
    category: str
    status: str
    message: str
    duration_s: float


class KataOutOfTime(SolutionTimeout):
    pass


def status_of(exc):
    """(status, message) for an exception that ended a test."""
    if isinstance(exc, SolutionTimeout):
        return "timeout", f"timed out: {exc}"
    if isinstance(exc, SolutionOutOfMemory):
        return "memory", str(exc)
    if isinstance(exc, SolutionNotImplemented):
        return "not_attempted", f"not attempted ({exc})"
    if isinstance(exc, SolutionMissingName):
        return "error", str(exc)
    if isinstance(exc, SolutionCrashed):
        return "error", str(exc)
    if isinstance(exc, SolutionProblem):
        where = f"\n{exc.traceback.rstrip()}" if getattr(exc, "traceback", "") else ""
        return "failed", f"the solution raised {exc}{where}"
    if type(exc).__name__ == "Failed" and "pytest-timeout" in str(exc):
        return "timeout", "timed out (the test as a whole went over its limit)"
    if isinstance(exc, AssertionError):
        return "failed", str(exc).strip() or "assertion failed"
    return "failed", f"{type(exc).__name__}: {exc}"


class GradingPlugin:
    """Grades one kata. `backend` is a `graders.session.Worker` (or the benchmark's in-process twin)."""

    def __init__(self, kata, backend, on_result=None):
        self.kata, self.backend, self.on_result = kata, backend, on_result
        self.results = []
        self.started = {}  # nodeid -> perf_counter at setup
        self.load_problem = None
        self.kata_deadline = time.monotonic() + kata.kata_timeout_s
        self.test_deadline = self.kata_deadline
        self.proxy = SolutionProxy(backend, self.seconds_left)

    def seconds_left(self):
        return max(0.0, min(self.test_deadline, self.kata_deadline) - time.monotonic())

    # -- collection ------------------------------------------------------------------------------
    def pytest_configure(self, config):
        config.addinivalue_line("markers", "category(name): what a hidden test checks, one of " + ", ".join(CATEGORIES))

    def pytest_collection_modifyitems(self, items):
        for item in items:
            marks = list(item.iter_markers("category"))
            if len(marks) != 1 or len(marks[0].args) != 1 or marks[0].args[0] not in CATEGORIES:
                raise pytest.UsageError(f"{item.nodeid}: needs exactly one @pytest.mark.category(...) of {CATEGORIES}")
            item.add_marker(pytest.mark.timeout(self.kata.timeout_s + JUDGE_GRACE_S))

    def pytest_collection_finish(self, session):
        """Import the solution once, before any test; a failure here decides the kata."""
        self.test_deadline = time.monotonic() + self.kata.timeout_s
        try:
            self.backend.load(self.seconds_left())
        except SolutionProblem as e:
            self.load_problem = e

    # -- running ---------------------------------------------------------------------------------
    @pytest.fixture(scope="session")
    def solution(self):
        """The learner's module, called across the process boundary: `solution.softmax(x)`."""
        return self.proxy

    @pytest.fixture(scope="session")
    def make(self):
        """`make("toys.speculative:CountingTarget", probs)`: a trusted helper object built in the worker,
        returned as a RemoteObject to pass to the solution and to query afterwards."""
        return self.proxy._make

    def pytest_runtest_setup(self, item):
        if self.load_problem is not None:
            raise self.load_problem
        if time.monotonic() >= self.kata_deadline:
            raise KataOutOfTime(f"not run: the kata's {self.kata.kata_timeout_s:g} s budget ran out")
        self.test_deadline = time.monotonic() + self.kata.timeout_s
        self.started[item.nodeid] = time.perf_counter()

    def pytest_runtest_teardown(self, item):
        try:
            self.proxy._release()
        except SolutionProblem:
            pass

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if not (call.when == "call" or (report.failed or report.skipped) and call.when == "setup"):
            return
        if call.excinfo is None:
            status, message = "passed", ""
        elif call.excinfo.errisinstance(pytest.skip.Exception):
            status, message = "error", f"grader problem: the test was skipped ({call.excinfo.value})"
        else:
            status, message = status_of(call.excinfo.value)
            if self.load_problem is not None and call.when == "setup":
                status, message = "error", "not run: the solution did not import"
        category = item.get_closest_marker("category").args[0]
        started = self.started.get(item.nodeid, time.perf_counter())
        result = TestResult(item.name, category, status, message[:MESSAGE_CHARS],
                            round(time.perf_counter() - started, 4))
        self.results.append(result)
        if self.on_result and self.load_problem is None:  # an import failure is reported once, by the kata
            self.on_result(result)
