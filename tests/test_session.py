"""The judge's seam to a worker, directly: objects that stay in the worker (a KVCache, a loader),
trusted helper objects built there (an rng), objects lent by the judge (called back across the pipe),
in-place edits read back from the shared file, exceptions, fresh workers and a warm Spawner."""

import numpy as np
import pytest

from conftest import SANDBOX_MODE
from graders.kataworker import wire
from graders.kataworker.toys.dataloader import IndexDataset
from graders.sandbox import detect
from graders.session import SolutionCrashed, SolutionProxy, SolutionRaised, Spawner, Worker
from graders.kataworker.wire import Make

SOLUTION = '''
import numpy as np

class Cache:
    def __init__(self, size):
        self.items = []
        self.size = size
    def append(self, x):
        if len(self.items) == self.size:
            raise ValueError("cache is full")
        self.items.append(x)
    def get(self):
        return np.stack(self.items)
    def __len__(self):
        return len(self.items)
    def __iter__(self):
        return iter(self.items)

def total(cache):
    return float(sum(float(x.sum()) for x in cache.items))

def draw(rng, n):
    return rng.integers(0, 100, size=n)

def scale_in_place(x):
    x *= 2
    return x.sum()

def seeded_global(seed):
    np.random.seed(seed)
    return np.random.rand()

def noisy_divide(a, b):
    return np.float64(a) / np.float64(b)

def sum_old_style(dataset):
    return sum(x for x in dataset)   # no __iter__: indexes until IndexError

def call_it(obj, name, *args):
    return getattr(obj, name)(*args)

calls_so_far = 0

def count_calls():
    global calls_so_far
    calls_so_far += 1
    return calls_so_far

def forge_callback(reply_fd, callback):
    import sys
    sys.modules["kataworker.wire"].write_message(int(reply_fd), sys.modules["kataworker.wire"].encode(
        {"callback": callback}))
    import time
    time.sleep(5)

def scale_and_cut_shared_file(x):
    import os, sys
    x *= 2
    os.ftruncate(int(sys.argv[-2]), 0)   # the file the judge shares for with_inputs calls
'''


@pytest.fixture
def solution(tmp_path):
    path = tmp_path / "solution.py"
    path.write_text(SOLUTION)
    worker = Worker(path, memory_mb=1024, spawner=Spawner(detect(SANDBOX_MODE), warm=False))
    worker.load(timeout=30)
    yield SolutionProxy(worker, lambda: 10.0)
    worker.close()


def test_objects_stay_in_the_worker_and_their_methods_run_there(solution):
    cache = solution.Cache(2)
    cache.append(np.ones(3))
    cache.append(np.full(3, 2.0))
    assert len(cache) == 2
    assert [float(x.sum()) for x in cache] == [3.0, 6.0]
    assert np.array_equal(cache.get(), [[1, 1, 1], [2, 2, 2]])
    assert solution.total(cache) == 9.0  # an object passed back as an argument
    with pytest.raises(ValueError, match="cache is full") as error:
        cache.append(np.ones(3))
    assert isinstance(error.value, SolutionRaised)


def test_trusted_helpers_are_built_in_the_worker(solution):
    drawn = solution.draw(Make("numpy.random:default_rng", 7), 5)
    assert np.array_equal(drawn, np.random.default_rng(7).integers(0, 100, size=5))
    with pytest.raises(ValueError, match="not allowed"):
        solution.draw(Make("os:system", "true"), 1)


def test_make_builds_a_kept_helper_that_tests_query_afterwards(solution):
    watch = solution._make("toys.common:GlobalRandomWatch")
    assert watch.touched() == []
    solution.draw(Make("numpy.random:default_rng", 7), 5)  # a Generator of its own: global state untouched
    assert watch.touched() == []
    solution.seeded_global(0)  # seeding the global state is using it
    assert watch.touched() == ["np.random"]
    with pytest.raises(ValueError, match="not allowed"):
        solution._make("graders.grade:grade")


def test_classic_cause_names_the_bug_behind_a_warning(solution):
    from graders.check import classic_cause

    with pytest.raises(AssertionError, match=r"RuntimeWarning: divide by zero.*: a zero-length row\?"):
        with classic_cause("a zero-length row?"):
            solution.noisy_divide(1.0, 0.0)
    with pytest.raises(ValueError):  # anything else passes through unchanged
        with classic_cause("not this"):
            solution.Cache(0).append(1)


def test_repeat_calls_in_one_round_trip_with_one_advancing_rng(solution):
    rng = solution._make("numpy.random:default_rng", 3)
    draws = solution.draw.repeat(4, rng, 2)
    expected = np.random.default_rng(3).integers(0, 100, size=8).reshape(4, 2)
    assert np.array_equal(np.array(draws), expected)


def test_with_inputs_shows_an_in_place_edit(solution):
    x = np.arange(3.0)
    result, (x_after,), kwargs = solution.scale_in_place.with_inputs(x)
    assert result == 6.0 and np.array_equal(x_after, [0, 2, 4]) and kwargs == {}
    assert np.array_equal(x, [0, 1, 2])  # the judge's copy is never touched


def test_with_inputs_reads_the_arrays_back_from_the_shared_file(solution):
    x, y = np.arange(4.0).reshape(2, 2), np.ones(3, dtype=np.float32)
    result, (x_after, k), kwargs = solution.call_it.with_inputs(x, "sum")   # arrays and other values together
    assert result == 6.0 and np.array_equal(x_after, x) and k == "sum"
    _, (y_after,), _ = solution.scale_in_place.with_inputs(y)
    assert y_after.dtype == np.float32 and np.array_equal(y_after, [2, 2, 2])
    with pytest.raises(SolutionCrashed, match="cut short|SIGBUS"):  # the evidence gone: a failure, not a pass
        solution.scale_and_cut_shared_file.with_inputs(np.ones(3))


def test_a_lent_object_stays_in_the_judge_and_counts_every_call(solution):
    dataset = IndexDataset(5)
    assert solution.sum_old_style(solution._lend(dataset)) == 10   # IndexError crosses back as IndexError
    assert dataset.fetches() == 5
    with pytest.raises(TypeError, match="expected one int"):        # bad arguments: the solution's error
        solution.call_it(solution._lend(dataset), "__getitem__", 1.5)
    with pytest.raises(AttributeError, match="__len__"):             # only the methods it lends
        solution.call_it(solution._lend(dataset, "__getitem__"), "__len__")
    assert dataset.fetches() == 5
    lent = solution._lend(dataset)                                  # a forged callback gets no further
    assert solution._answer(lent.id, "fetches", [], {})["raised"]["type"] == "AttributeError"
    assert solution._answer(lent.id, "__getitem__", [[1] * 3], {})["raised"]["type"] == "TypeError"


def test_a_callback_is_hostile_input(solution, tmp_path):
    dataset = IndexDataset(3)
    lent = solution._lend(dataset)
    solution._release()                                       # the test ended: its objects are no longer lent
    with pytest.raises(SolutionRaised, match="ReferenceError: no object"):
        solution.call_it(lent, "__len__")
    with pytest.raises(SolutionCrashed, match="malformed"):
        solution.forge_callback(solution._worker.process.popen.args[-1], ["not", "a", "callback"])
    assert solution.noisy_divide(4.0, 2.0) == 2.0             # a new process took over


def test_a_fresh_worker_keeps_nothing_from_earlier_calls(solution):
    assert [solution.count_calls() for _ in range(2)] == [1, 2]
    fresh = solution._worker.fresh()
    try:
        assert SolutionProxy(fresh, lambda: 10.0).count_calls() == 1
    finally:
        fresh.close()


def test_a_prepared_fresh_worker_is_handed_out_once_and_closed_with_its_worker(tmp_path):
    path = tmp_path / "solution.py"
    path.write_text(SOLUTION)
    worker = Worker(path, memory_mb=1024, spawner=Spawner(detect(SANDBOX_MODE), warm=False))
    try:
        worker.load(timeout=30)
        worker.prepare_fresh()
        prepared = worker.prepared.process.popen              # started, its import under way, before any test asks
        fresh = worker.fresh()
        try:
            assert fresh.process.popen is prepared and worker.prepared is None
            assert SolutionProxy(fresh, lambda: 10.0).count_calls() == 1
        finally:
            fresh.close()
        worker.prepare_fresh()
        unused = worker.prepared.process.popen
    finally:
        worker.close()
    assert unused.poll() is not None                           # a prepared worker no test took dies with the grade


def test_spawner_hands_out_warm_processes_and_cleans_up(tmp_path):
    path = tmp_path / "solution.py"
    path.write_text(SOLUTION)
    spawner = Spawner(detect(SANDBOX_MODE))
    pids = []
    try:
        for _ in range(3):
            worker = Worker(path, memory_mb=1024, spawner=spawner)
            assert "Cache" in worker.load(timeout=30)
            pids.append(worker.process.popen.pid)
            worker.close()
        spare = spawner.spare.popen
    finally:
        spawner.close()
    assert len(set(pids)) == 3 and spare.poll() is not None  # a fresh process per kata; the spare is gone
