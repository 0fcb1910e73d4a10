"""The drill loop: the progress store (atomic, versioned, corruption kept aside), the spaced-repetition
schedule on a fake clock, hints, reveal's refusal, drill, interview, progress, and the watcher with
real file saves."""

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest

from conftest import REPO, run_graders
from graders.drill import pick
from graders.manifest import load_manifest
from graders.progress import DAY_S, ProgressStore
from test_engine import MISBEHAVING

KATAS = load_manifest(REPO / "kata.yaml")
T0 = 1_800_000_000.0  # a fake clock: every time below is T0 + seconds


def graded(status, passed=5, total=5):
    return SimpleNamespace(status=status, passed=passed if status == "passed" else passed - 1, total=total)


# -- the schedule, on a fake clock --------------------------------------------------------------

def test_a_fast_solve_comes_back_later_each_time_and_a_slow_one_tomorrow(tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    minutes = KATAS["attention"].minutes
    intervals = []
    now = T0
    for _ in range(3):
        store.started("attention", now, restart=True)
        store.graded("attention", graded("passed"), now + 60 * (minutes - 1), minutes)  # inside the minutes
        record = store.kata("attention")
        intervals.append(record.interval_days)
        assert record.due == pytest.approx(now + 60 * (minutes - 1) + record.interval_days * DAY_S)
        now = record.due
    assert intervals == [1.0, 2.5, 6.25]
    store.started("attention", now, restart=True)
    store.graded("attention", graded("passed"), now + 60 * (minutes + 5), minutes)  # over the minutes
    assert store.kata("attention").interval_days == 1.0
    store.started("attention", now, restart=True)
    store.hinted("attention")
    store.graded("attention", graded("passed"), now + 60, minutes)  # fast, but with a hint
    assert store.kata("attention").interval_days == 1.0


def test_a_failed_grade_of_a_run_or_a_give_up_is_due_at_once(tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    store.started("softmax", T0)
    store.graded("softmax", graded("passed"), T0 + 60, 15)
    store.started("softmax", T0 + DAY_S, restart=True)
    store.graded("softmax", graded("failed"), T0 + DAY_S + 60, 15)
    assert store.kata("softmax").due == T0 + DAY_S + 60
    store.gave_up("kmeans", T0 + 5)
    assert store.kata("kmeans").due == T0 + 5


def test_a_regrade_outside_a_run_is_recorded_but_moves_nothing(tmp_path):
    """After a solve, a watch save with a syntax error (or an experiment) and a later pass, with no clock
    running: both are attempts, the interval and the due date stay, and the drill does not call it failed."""
    store = ProgressStore(tmp_path / "p.json")
    kata = KATAS["attention"]
    store.started(kata.id, T0)
    store.graded(kata.id, graded("passed"), T0 + 60, kata.minutes)
    record = store.kata(kata.id)
    schedule = (record.interval_days, record.due)
    assert schedule == (1.0, T0 + 60 + DAY_S)
    store.graded(kata.id, SimpleNamespace(status="error", passed=0, total=0), T0 + 120, kata.minutes)
    assert (record.interval_days, record.due) == schedule and len(record.attempts) == 2
    assert pick(store, [kata, KATAS["softmax"]], T0 + 180).id == "softmax"  # attention is not due, not failed
    store.graded(kata.id, graded("passed"), T0 + 180, kata.minutes)
    assert (record.interval_days, record.due) == schedule and len(record.solves) == 1


def test_failing_grades_during_a_run_do_not_cost_a_fast_solve(tmp_path):
    """Watch grades every save of a timed run: the failures before its pass keep the interval growing."""
    store = ProgressStore(tmp_path / "p.json")
    intervals, now = [], T0
    for _ in range(3):
        store.started("softmax", now, restart=True)
        store.graded("softmax", graded("failed"), now + 30, 15)
        assert store.kata("softmax").due == now + 30  # due at once while the run has not passed
        store.graded("softmax", graded("passed"), now + 60, 15)
        intervals.append(store.kata("softmax").interval_days)
        now = store.kata("softmax").due
    assert intervals == [1.0, 2.5, 6.25]


def test_a_run_abandoned_after_a_failing_grade_loses_its_interval(tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    for day in range(2):
        store.started("softmax", T0 + day * 3 * DAY_S, restart=True)
        store.graded("softmax", graded("passed"), T0 + day * 3 * DAY_S + 60, 15)
    assert store.kata("softmax").interval_days == 2.5
    store.started("softmax", T0 + 10 * DAY_S, restart=True)
    store.started("softmax", T0 + 10 * DAY_S + 5, restart=True)  # restarted before any grade: nothing lost
    assert store.kata("softmax").interval_days == 2.5
    store.graded("softmax", graded("failed"), T0 + 10 * DAY_S + 60, 15)
    store.started("softmax", T0 + 11 * DAY_S, restart=True)  # the failing run is abandoned
    store.graded("softmax", graded("passed"), T0 + 11 * DAY_S + 60, 15)
    assert store.kata("softmax").interval_days == 1.0


def test_a_give_up_counts_once_per_run_and_ends_it(tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    store.started("softmax", T0)
    assert store.gave_up("softmax", T0 + 10) and not store.gave_up("softmax", T0 + 20)
    record = store.kata("softmax")
    assert record.gave_up == [T0 + 10] and record.clock_started is None
    assert store.graded("softmax", graded("passed"), T0 + 30, 15) is None  # seen the reference: no solve
    assert record.solves == [] and record.due == T0 + 10
    store.started("softmax", T0 + 40, restart=True)
    assert store.gave_up("softmax", T0 + 50)
    assert record.gave_up == [T0 + 10, T0 + 50]
    fresh = ProgressStore(tmp_path / "q.json")  # never started: the first give-up counts, the second not
    assert fresh.gave_up("kmeans", T0) and not fresh.gave_up("kmeans", T0 + 1)


def test_hints_taken_before_start_count_for_that_run(tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    store.hinted("softmax")
    store.hinted("softmax")
    store.started("softmax", T0, restart=True)
    store.graded("softmax", graded("passed"), T0 + 60, 15)  # fast, but with the two hints
    record = store.kata("softmax")
    assert record.solves[-1]["hints"] == 2 and record.interval_days == 1.0
    store.hinted("softmax")  # after the solve, before the next start
    store.started("softmax", T0 + DAY_S, restart=True)
    store.started("softmax", T0 + DAY_S + 5, restart=True)
    store.graded("softmax", graded("passed"), T0 + DAY_S + 60, 15)
    assert record.solves[-1]["hints"] == 1 and record.interval_days == 1.0


def test_pick_prefers_a_failure_then_the_most_overdue_by_stars(tmp_path):
    ready = [KATAS[k] for k in ("attention", "softmax", "kmeans", "conv2d")]
    store = ProgressStore(tmp_path / "p.json")
    for kata in ready:  # every kata solved fast once at T0
        store.started(kata.id, T0)
        store.graded(kata.id, graded("passed"), T0 + 60, kata.minutes)
    assert pick(store, ready, T0 + 0.5 * DAY_S).id == "attention"  # nothing due: the soonest (ties: manifest order)
    later = T0 + 3 * DAY_S                                           # all due (interval 1 day): most stars first
    assert pick(store, ready, later).id == "attention"
    store.started("conv2d", later)
    store.graded("conv2d", graded("failed"), later, KATAS["conv2d"].minutes)
    assert pick(store, ready, later).id == "conv2d"                  # a failure (3 x 2 stars) beats due ones (~1 x 5)


def test_pick_puts_a_failure_before_the_never_practised_whatever_the_stars(tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    five, two = KATAS["attention"], KATAS["conv2d"]
    store.started("conv2d", T0)
    store.graded("conv2d", graded("failed"), T0, two.minutes)
    assert pick(store, [five, two], T0 + 1).id == "conv2d"
    store.graded("conv2d", graded("passed"), T0 + 60, two.minutes)
    assert pick(store, [five, two], T0 + 120).id == "attention"  # never practised; conv2d is not due for a day


# -- the progress file ----------------------------------------------------------------------------

def test_the_progress_file_round_trips_and_is_versioned(tmp_path):
    path = tmp_path / "progress.json"
    with ProgressStore.update(path) as store:
        store.started("attention", T0)
        store.hinted("attention")
        store.graded("attention", graded("passed"), T0 + 100, 6)
    data = json.loads(path.read_text())
    assert data["version"] == 1 and data["katas"]["attention"]["solves"] == [{"at": T0 + 100, "seconds": 100.0, "hints": 1}]
    again = ProgressStore.load(path)
    assert again.warning == "" and again.kata("attention").best_seconds() == 100.0


@pytest.mark.parametrize("text", ['{"version": 2, "katas": {}}', "[1, 2", '{"version": 1, "katas": {"a": {"hints": -1}}}',
                                  "\xff\xfe"])
def test_an_unreadable_progress_file_is_kept_aside_never_lost(tmp_path, text):
    path = tmp_path / "progress.json"
    path.write_text(text, encoding="latin-1")
    store = ProgressStore.load(path, T0)
    assert "was unreadable" in store.warning and store.katas == {}
    (kept,) = tmp_path.glob("progress.json.bad-*")
    assert kept.read_bytes() == text.encode("latin-1") and not path.exists()


def test_a_kill_in_the_middle_of_writing_leaves_a_whole_file(tmp_path):
    """A writer saving as fast as it can is SIGKILLed at 20 moments: the file always parses, and no
    temporary file is ever mistaken for it."""
    path = tmp_path / "progress.json"
    writer = f"""
import sys, time
sys.path.insert(0, {str(REPO)!r})
from graders.progress import ProgressStore
for i in range(10**9):
    with ProgressStore.update({str(path)!r}) as store:
        store.started(f"kata{{i % 50}}", float(i), restart=True)
"""
    for round_ in range(20):
        proc = subprocess.Popen([sys.executable, "-c", writer])
        time.sleep(0.3 + 0.037 * round_)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store = ProgressStore.load(path)
        assert store.warning == "" and store.katas, f"round {round_}: {store.warning}"


# -- the commands ---------------------------------------------------------------------------------

@pytest.fixture
def started(probe_root):
    proc = run_graders("start", "probe", root=probe_root)
    assert proc.returncode == 0, proc.stderr
    return probe_root


def test_hints_come_one_per_call_and_are_recorded(started):
    first = run_graders("hint", "probe", root=started)
    assert first.returncode == 0 and first.stdout.startswith("Hint 1 of 3 for probe: Where to look")
    second = run_graders("hint", "probe", root=started).stdout
    assert second.startswith("Hint 2 of 3") and "Hint 1" not in second
    run_graders("hint", "probe", root=started)
    assert "That was the last of 3 hints" in run_graders("hint", "probe", root=started).stdout
    progress = json.loads((started / ".progress" / "progress.json").read_text())
    assert progress["katas"]["probe"]["hints"] == 3


def test_reveal_refuses_before_a_pass_and_shows_after_one_or_a_give_up(started):
    refused = run_graders("reveal", "probe", root=started)
    assert refused.returncode == 1 and "after a full pass" in refused.stdout and "def add" not in refused.stdout
    gave_up = run_graders("reveal", "probe", "--give-up", root=started)
    assert gave_up.returncode == 0 and "Recorded a give-up" in gave_up.stdout and "def add" in gave_up.stdout
    assert json.loads((started / ".progress" / "progress.json").read_text())["katas"]["probe"]["gave_up"]


def test_a_pass_says_what_to_do_next_and_then_reveal_works(started):
    (started / "solutions" / "probe.py").write_text((MISBEHAVING / "correct.py").read_text())
    proc = run_graders("grade", "probe", root=started)
    assert proc.returncode == 0 and "Solved in 0:" in proc.stdout and "inside the interview's 1 minutes" in proc.stdout
    assert run_graders("reveal", "probe", root=started).returncode == 0
    listing = run_graders("progress", root=started).stdout
    assert re.search(r"^probe .*\] 0:\d\d +0:\d\d$", listing, re.M), listing  # the bar's time, then the attempt's


def test_a_save_with_a_syntax_error_after_a_solve_keeps_the_schedule(started):
    solution = started / "solutions" / "probe.py"
    solution.write_text((MISBEHAVING / "correct.py").read_text())
    assert "Solved in" in run_graders("grade", "probe", root=started).stdout
    schedule = lambda: {k: v for k, v in json.loads((started / ".progress" / "progress.json").read_text())  # noqa: E731
                        ["katas"]["probe"].items() if k in ("interval_days", "due")}
    solved = schedule()
    solution.write_text((MISBEHAVING / "syntax_error.py").read_text())
    assert run_graders("grade", "probe", root=started).returncode == 1
    assert schedule() == solved and solved["interval_days"] == 1.0


def test_drill_starts_the_picked_kata_fresh_and_archives_the_attempt(started):
    (started / "solutions" / "probe.py").write_text("# half done\n")
    proc = run_graders("drill", root=started)
    assert proc.returncode == 0 and proc.stdout.startswith("Drill: probe (*) - never practised")
    assert "Archived your previous attempt" in proc.stdout
    (archived,) = (started / "solutions" / ".history").glob("probe-*.py")
    assert archived.read_text() == "# half done\n"


def test_interview_counts_down_grades_and_asks_the_follow_ups(probe_root):
    proc = subprocess.run([sys.executable, "-m", "graders", "--root", str(probe_root), "interview", "--seed", "1",
                           "--minutes", "0.02"], cwd=REPO, capture_output=True, text=True, timeout=120,
                          input="")  # no Enter: the time runs out
    assert proc.returncode == 0, proc.stdout + proc.stderr  # the starter is not attempted: not a failure
    out = proc.stdout
    assert "Mock interview: Engine probe (probe)" in out and "Time is up." in out
    assert "probe: not attempted" in out and "1. What does echo return for a list?" in out
    assert "A strong answer: ValueError, because 0 is not positive." in out  # end of input: every question skipped
    assert not (probe_root / "solutions" / ".interview").exists()


def test_an_interview_keeps_its_own_time_and_saves_the_follow_up_answers(probe_root):
    """A solution written during the countdown, Enter, then one answer of two lines and one skipped:
    the interview's time everywhere, no offer to redo the kata, the answer saved, both model answers shown."""
    proc = subprocess.Popen([sys.executable, "-m", "graders", "--root", str(probe_root), "interview", "probe",
                             "--minutes", "0.5"], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    seen = []
    try:
        while not seen or "Press Enter to grade" not in seen[-1]:
            seen.append(lines.get(timeout=60))
        (probe_root / "solutions" / "probe.py").write_text((MISBEHAVING / "correct.py").read_text())
        proc.stdin.write("\nIt returns the list unchanged.\nThe same object, even.\n\n\n")
        proc.stdin.close()
        assert proc.wait(timeout=120) == 0
        reader.join(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = "".join(seen + [lines.get() for _ in range(lines.qsize())])
    assert "You have 0:30." in out and "The clock is running: 0:30 in this mock interview." in out
    assert "1 minutes" not in out and "inside this mock interview's 0:30" in out
    assert "nox -s interview" not in out and "--fresh" not in out  # nothing offers to archive the solution just written
    (saved,) = (probe_root / "solutions" / ".interview").glob("probe-*.md")
    text = saved.read_text()
    assert "## 1. What does echo return for a list?\n\nIt returns the list unchanged.\nThe same object, even.\n" in text
    assert "check_positive" not in text  # the skipped question is not saved
    assert f"Your answers are in solutions/.interview/{saved.name}" in out
    assert "A strong answer: The same list, unchanged" in out and "A strong answer: ValueError" in out


def test_answers_files_are_never_overwritten(probe_root):
    from graders.practice import new_answers_file
    from graders.repo import Paths

    kata = load_manifest(probe_root / "kata.yaml")["probe"]
    first = new_answers_file(Paths(probe_root), kata, T0)
    first.write_text(first.read_text() + "my first answers\n")
    second = new_answers_file(Paths(probe_root), kata, T0)  # the same second
    assert second != first and "my first answers" in first.read_text() and "my first" not in second.read_text()


def test_the_watcher_grades_every_save_and_cancels_a_running_grade(started):
    solution = started / "solutions" / "probe.py"
    correct = (MISBEHAVING / "correct.py").read_text()
    solution.write_text(correct)
    watcher = subprocess.Popen([sys.executable, "-m", "graders", "--root", str(started), "watch", "probe"], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in watcher.stdout], daemon=True).start()
    seen = []

    def wait_for(text, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            seen.append(line)
            if text in line:
                return
        raise AssertionError(f"no {text!r} within {timeout} s in:\n{''.join(seen)}")

    try:
        wait_for("probe: passed - 5/5")
        wait_for("Solved in 0:")  # the solve's time, as `grade` shows it
        solution.write_text(correct.replace("return x", "while True:\n        pass"))  # each echo call hangs 3 s
        wait_for("grading probe")
        time.sleep(0.5)
        solution.write_text(correct.replace("return a + b", "return a - b"))
        wait_for("the running grade is cancelled")
        wait_for("probe: failed - 3/5")
        assert any(line.strip().startswith("PASS") and "errors" in line for line in seen)  # one line per category
        os.killpg(watcher.pid, signal.SIGINT)
        wait_for("stopped watching")
        assert watcher.wait(timeout=30) == 0
    finally:
        if watcher.poll() is None:
            os.killpg(watcher.pid, signal.SIGKILL)
            watcher.wait()


def test_an_answer_that_cannot_be_saved_is_one_line_not_a_traceback(probe_root):
    import io

    from graders.practice import follow_ups
    from graders.repo import Paths

    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / ".interview").write_text("a file where the folder should be")
    out = io.StringIO()
    saved = follow_ups(load_manifest(probe_root / "kata.yaml")["probe"], Paths(probe_root), io.StringIO("mine\n\n"), out)
    assert saved is None and "(your answer could not be saved: " in out.getvalue()
    assert "A strong answer: ValueError" in out.getvalue()  # the round goes on


def test_the_drill_keeps_a_katas_two_attempts_apart(tmp_path):
    from graders.drill import pick_attempt
    from graders.repo import Paths, attempts_of

    numpy_attempt, torch_attempt = attempts_of(KATAS["softmax"], Paths(REPO))
    store = ProgressStore(tmp_path / "p.json")
    for key, status in (("softmax", "passed"), ("softmax_torch", "failed")):
        store.started(key, T0, restart=True)
        store.graded(key, graded(status), T0 + 60, KATAS["softmax"].minutes)
    assert pick_attempt(store, [numpy_attempt, torch_attempt], T0 + 120) is torch_attempt   # failed in PyTorch
    store.started("softmax_torch", T0 + 200, restart=True)
    store.graded("softmax_torch", graded("passed"), T0 + 260, KATAS["softmax"].minutes)
    store.started("softmax", T0 + 300, restart=True)
    store.graded("softmax", graded("failed"), T0 + 360, KATAS["softmax"].minutes)
    assert pick_attempt(store, [numpy_attempt, torch_attempt], T0 + 400) is numpy_attempt   # and not the reverse
