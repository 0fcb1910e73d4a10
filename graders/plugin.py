"""The pytest plugin that grades one kata: gives tests the `solution` proxy, enforces time
limits, and turns each test's outcome into a status (passed, failed, error, timeout, memory,
not_attempted).

    plugin = GradingPlugin(kata, backend)
    pytest.main([kata_dir, ...], plugins=[plugin]);  plugin.results

Fresh inputs (`fresh_seed`, verified grading): every test that draws its random inputs through the
`seed` fixture also runs as a `[fresh]` twin whose seeds derive from one drawn at grade time, so the
expected values are the reference's on inputs nobody saw before the grade.
"""

import ast
import contextlib
import difflib
import hashlib
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

import pytest

from graders.report import clipped, printable
from graders.session import (SolutionCrashed, SolutionMissingName, SolutionNotImplemented,
                             SolutionOutOfMemory, SolutionProblem, SolutionProxy, SolutionTimeout,
                             SolutionWrongType)

CATEGORIES = (
    "correctness", "numerical-stability", "masking", "shapes", "dtype", "edge-case", "errors",
    "side-effects", "determinism", "statistics", "performance", "memory",
)
JUDGE_GRACE_S = 2.0  # the backstop fires this long after a test's own limit: a test stuck on the judge's side
MESSAGE_CHARS = 2000
FRESH_ID = "fresh"  # the twin of a seeded test: test_x[fresh], test_x[case-fresh]
IS_FRESH = pytest.StashKey[bool]()


@dataclass
class TestResult:
    name: str
    category: str
    status: str
    message: str
    duration_s: float


class Fresh(NamedTuple):
    """A new worker process for one test: `solution` calls the solution there, `make` builds helpers there."""
    solution: SolutionProxy
    make: Callable


class KataOutOfTime(SolutionTimeout):
    pass


class TestOutOfTime(SolutionTimeout):
    """The backstop: the test as a whole (judge side included) went over its limit."""


def fresh_seed_for(grade_seed, fixed):
    """The seed a [fresh] twin uses where its test says `seed(fixed)`: distinct per fixed seed, reproducible
    from `grade_seed`, and < 2**31 (a C int: every NumPy, torch and `random` seeding accepts it, and
    a solution's `seed + epoch` too)."""
    digest = hashlib.sha256(f"{grade_seed}:{fixed}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


def is_seeded(item):
    """Whether a test draws its inputs through the `seed` fixture (not a parameter of that name)."""
    return "seed" in item.fixturenames and "seed" not in getattr(getattr(item, "callspec", None), "params", {})


def fresh_twin(item):
    """A copy of a seeded test item named `name[fresh]` (or `name[id-fresh]` when parametrized)."""
    name = f"{item.name[:-1]}-{FRESH_ID}]" if item.name.endswith("]") else f"{item.name}[{FRESH_ID}]"
    twin = pytest.Function.from_parent(item.parent, name=name, callspec=getattr(item, "callspec", None),
                                       callobj=item.obj, fixtureinfo=item._fixtureinfo,
                                       originalname=item.originalname)
    twin.stash[IS_FRESH] = True
    return twin


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
    if isinstance(exc, SolutionWrongType):
        return "failed", str(exc)
    if isinstance(exc, SolutionProblem):
        where = f"\n{exc.traceback.rstrip()}" if getattr(exc, "traceback", "") else ""
        return "failed", f"the solution raised {exc}{where}"
    if isinstance(exc, AssertionError):
        return "failed", str(exc).strip() or "assertion failed"
    return "failed", f"{type(exc).__name__}: {exc}"


def near_name(wanted, defined, api):
    """" (it defines `self_attn`: ...)" when the solution defines a name close to the one a test
    called that is not itself one of the kata's `api` names, else ""."""
    if not wanted or "." in wanted:  # a method: only the module's names are known
        return ""
    close = difflib.get_close_matches(wanted, [n for n in defined if n not in api], n=1, cutoff=0.6)
    return f" (it defines `{close[0]}`: rename it to `{wanted}`?)" if close else ""


def starter_names(path):
    """The functions and classes a kata's starter.py defines: the names its tests call."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return set()
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


class GradingPlugin:
    """Grades one kata. `backend` is a `graders.session.Worker` (or the benchmark's in-process twin)."""

    def __init__(self, kata, backend, on_result=None, fresh_seed=None, framework=None):
        self.kata, self.backend, self.on_result = kata, backend, on_result
        self.attempt_framework = framework or kata.framework  # "numpy" or "torch" (the `framework` fixture)
        self.fresh_seed = fresh_seed  # None: the fixed seeds only
        self.results = []
        self.started = {}  # nodeid -> perf_counter at setup
        self.load_problem = None
        self.defined = []  # the names the solution defines, as its worker reported them (for suggestions)
        self.fresh_tests_left = 0  # tests that ask for a fresh worker and have not started
        self.kata_budget_s = kata.kata_timeout_s
        self.kata_deadline = time.monotonic() + kata.kata_timeout_s
        self.test_deadline = self.kata_deadline
        self.proxy = SolutionProxy(backend, self.seconds_left)

    def seconds_left(self):
        return max(0.0, min(self.test_deadline, self.kata_deadline) - time.monotonic())

    # -- collection ------------------------------------------------------------------------------
    def pytest_configure(self, config):
        # A failure's message is all a result keeps: pytest's own traceback (which reprs every frame's
        # arguments, the solution's reply among them, in full for bytes) is formatted natively instead.
        config.option.tbstyle = "native"
        config.addinivalue_line("markers", "category(name): what a hidden test checks, one of " + ", ".join(CATEGORIES))

    def pytest_collection_modifyitems(self, items):
        for item in items:
            marks = list(item.iter_markers("category"))
            if len(marks) != 1 or len(marks[0].args) != 1 or marks[0].args[0] not in CATEGORIES:
                raise pytest.UsageError(f"{item.nodeid}: needs exactly one @pytest.mark.category(...) of {CATEGORIES}")
        if self.fresh_seed is not None:
            twins = {item: fresh_twin(item) for item in items if is_seeded(item)}
            items[:] = [test for item in items for test in (item, *([twins[item]] if item in twins else []))]
            # the twins get the kata's time budget in proportion, as much per test as the fixed-seed cases
            extra_s = round(self.kata.kata_timeout_s * len(twins) / max(1, len(items) - len(twins)))
            self.kata_budget_s += extra_s
            self.kata_deadline += extra_s

    def pytest_collection_finish(self, session):
        """Import the solution once, before any test; a failure here decides the kata."""
        self.test_deadline = time.monotonic() + self.kata.timeout_s
        try:
            names = self.backend.load(self.seconds_left())
            self.defined = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
        except SolutionProblem as e:
            self.load_problem = e
            return
        self.fresh_tests_left = sum("fresh_solution" in getattr(item, "fixturenames", ()) for item in session.items)
        if self.fresh_tests_left:
            self.backend.prepare_fresh()

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

    @pytest.fixture(scope="session")
    def framework(self):
        """"numpy" or "torch": the attempt's framework, for the rare test whose contract differs between the
        two (a torch.Generator does not draw what a numpy Generator draws); the test's docstring says how."""
        return self.attempt_framework

    @pytest.fixture
    def seed(self, request):
        """`np.random.default_rng(seed(5))`: the seed to draw a test's random inputs from; 5 itself,
        and in the test's [fresh] twin a seed derived from the one drawn at grade time."""
        if not request.node.stash.get(IS_FRESH, False):
            return lambda fixed: fixed
        return lambda fixed: fresh_seed_for(self.fresh_seed, fixed)

    @pytest.fixture(scope="session")
    def lend(self):
        """`lend(ToyTarget(table))`: a reference to pass to the solution to an object that stays here, in the
        judge; the solution gets a stand-in whose methods call back, so what the object counts is the judge's."""
        return self.proxy._lend

    @pytest.fixture
    def fresh_solution(self):
        """`fresh = fresh_solution(global_seed=3)` -> Fresh(solution, make) on a new worker process that has
        just imported the solution (nothing kept from earlier calls), its global random states (np.random,
        random, torch's) seeded with `global_seed` when given; every one is closed when the test ends."""
        backends = []
        self.fresh_tests_left -= 1

        def start(global_seed=None):
            backend = self.backend.fresh()
            backends.append(backend)
            with self.clock_paused():                   # its import is no test's time, as the first worker's is not
                backend.load(self.seconds_left())       # (bounded by the load's own timeout)
            if self.fresh_tests_left > 0:              # the next test's process starts while this one runs
                self.backend.prepare_fresh()
            proxy = SolutionProxy(backend, self.seconds_left)
            if global_seed is not None:
                proxy._make("toys.common:seed_global_random", global_seed)
            return Fresh(proxy, proxy._make)

        yield start
        for backend in backends:
            backend.close()

    @contextlib.contextmanager
    def clock_paused(self):
        """Stop the running test's clock (its deadline and the backstop's alarm) for the block: a fresh
        worker's import of the solution, which for a PyTorch attempt imports torch (seconds on a loaded
        machine, and the load allows for it), like the first worker's import before any test."""
        began = time.monotonic()
        main = threading.current_thread() is threading.main_thread()
        alarm_left = signal.setitimer(signal.ITIMER_REAL, 0)[0] if main else 0.0
        try:
            yield
        finally:
            self.test_deadline += time.monotonic() - began
            if alarm_left > 0:
                signal.setitimer(signal.ITIMER_REAL, alarm_left)

    def pytest_runtest_setup(self, item):
        if self.load_problem is not None:
            raise self.load_problem
        if time.monotonic() >= self.kata_deadline:
            raise KataOutOfTime(f"not run: the kata's {self.kata_budget_s:g} s budget ran out")
        self.test_deadline = time.monotonic() + self.kata.timeout_s
        self.started[item.nodeid] = time.perf_counter()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        """The backstop: SIGALRM ends a test that outlives its limit plus JUDGE_GRACE_S, wherever it is stuck."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        limit = self.kata.timeout_s + JUDGE_GRACE_S

        def expire(signum, frame):
            raise TestOutOfTime(f"the test as a whole went over {limit:g} s")

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

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
            if call.excinfo.errisinstance(SolutionMissingName):
                message += near_name(getattr(call.excinfo.value, "requested", None), self.defined,
                                     starter_names(item.path.parent / "starter.py"))
            if self.load_problem is not None and call.when == "setup":
                status, message = "error", "not run: the solution did not import"
        category = item.get_closest_marker("category").args[0]
        started = self.started.get(item.nodeid, time.perf_counter())
        message = clipped(message, MESSAGE_CHARS)
        if status not in ("passed", "not_attempted") and item.stash.get(IS_FRESH, False):
            message += (f"\n(fresh inputs drawn at grade time: replay them with "
                        f"--fresh-inputs={self.fresh_seed})")
        result = TestResult(item.name, category, status, printable(message),
                            round(time.perf_counter() - started, 4))
        self.results.append(result)
        if self.on_result and self.load_problem is None:  # an import failure is reported once, by the kata
            self.on_result(result)
