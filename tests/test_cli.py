"""The learner's commands on the probe repository: start, grade, list, and their error messages."""

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import REPO, run_graders
from graders.manifest import load_manifest
from graders.repo import FORWARDERS, Paths, attempts_of
from test_engine import MISBEHAVING, in_solutions


def test_unknown_kata_is_a_usage_error_that_lists_the_katas(probe_root):
    proc = run_graders("grade", "prob", root=probe_root)
    assert proc.returncode == 2
    assert "unknown kata 'prob'; did you mean 'probe'?" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_graders("grade", "atention", root=REPO)
    assert "did you mean 'attention'?" in proc.stderr


def test_kata_without_hidden_tests_yet_is_named_as_such(probe_root):
    manifest = probe_root / "kata.yaml"
    manifest.write_text(manifest.read_text() + manifest.read_text().split("katas:\n", 1)[1].replace("probe", "later"))
    proc = run_graders("grade", "later", root=probe_root)
    assert proc.returncode == 2 and "has no hidden tests yet" in proc.stderr
    listing = run_graders("list", root=probe_root).stdout
    assert re.search(r"^later .* coming soon", listing, re.M)
    board = run_graders("scoreboard", root=probe_root).stdout
    assert re.search(r"later .*SOON +coming soon", board) and "0 / 1 katas" not in board


def test_start_copies_the_starter_and_never_overwrites_an_attempt(probe_root):
    proc = run_graders("start", "probe", root=probe_root)
    solution = probe_root / "solutions" / "probe.py"
    assert proc.returncode == 0 and solution.read_text() == (probe_root / "katas/probe/starter.py").read_text()
    assert "katas/probe/prompt.md" in proc.stdout and "clock is running" in proc.stdout
    solution.write_text("# my attempt\n")
    proc = run_graders("start", "probe", root=probe_root)  # not an error: the attempt is kept
    assert proc.returncode == 0 and "already exists" in proc.stdout and "--fresh" in proc.stdout
    assert solution.read_text() == "# my attempt\n"
    proc = run_graders("start", "probe", "--fresh", root=probe_root)
    assert proc.returncode == 0 and "Archived" in proc.stdout
    archived = list((probe_root / "solutions" / ".history").glob("probe-*.py"))
    assert [a.read_text() for a in archived] == ["# my attempt\n"]
    assert solution.read_text() == (probe_root / "katas/probe/starter.py").read_text()


def test_grade_without_arguments_grades_every_attempt_and_records_progress(probe_root):
    proc = run_graders("grade", root=probe_root)
    assert proc.returncode == 0 and "Nothing to grade" in proc.stdout
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "probe.py").write_text((MISBEHAVING / "correct.py").read_text())
    proc = run_graders("grade", root=probe_root)
    assert proc.returncode == 0, proc.stdout
    assert "probe: passed - 5/5 tests passed" in proc.stdout
    record = json.loads((probe_root / ".results" / "probe.json").read_text())
    assert record["status"] == "passed"
    assert "passed 5/5" in run_graders("list", root=probe_root).stdout


def test_list_shows_the_latest_and_the_best_grade(probe_root):
    run_graders("start", "probe", root=probe_root)
    solution = probe_root / "solutions" / "probe.py"
    solution.write_text((MISBEHAVING / "correct.py").read_text())
    run_graders("grade", "probe", root=probe_root)
    solution.write_text((MISBEHAVING / "correct.py").read_text().replace("return a + b", "return a - b"))
    run_graders("grade", "probe", root=probe_root)
    row = next(line for line in run_graders("list", root=probe_root).stdout.splitlines() if line.startswith("probe"))
    assert re.search(r"failed 3/5 +passed +\d+:\d\d ok +tomorrow|failed 3/5 +passed +\d+:\d\d ok +in \d+ days", row) \
        or "failed 3/5  passed" in row, row


def test_a_corrupt_progress_file_is_kept_aside_with_one_clear_message(probe_root):
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "probe.py").write_text("x = 1\n")
    (probe_root / ".progress").mkdir()
    (probe_root / ".progress" / "progress.json").write_text('{"version": 1, "katas": {"probe": {"hints": "lots"')
    proc = run_graders("list", root=probe_root)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "your progress file" in proc.stdout and "was unreadable" in proc.stdout and "kept as" in proc.stdout
    (kept,) = (probe_root / ".progress").glob("progress.json.bad-*")
    assert kept.read_text().startswith('{"version": 1, "katas": {"probe": {"hints": "lots"')


def test_list_shows_every_manifest_kata_and_fits_a_terminal():
    proc = run_graders("list", root=REPO, env={"COLUMNS": "100"})
    assert proc.returncode == 0
    table, legend = proc.stdout.split("\nasked: ")
    attempts = sum(len(attempts_of(kata, Paths(REPO))) for kata in load_manifest(REPO / "kata.yaml").values())
    assert len(table.splitlines()) == 1 + attempts  # a header, then a row per attempt (softmax has two)
    assert "softmax (NumPy)" in table and "softmax (PyTorch)" in table
    assert max(len(line) for line in proc.stdout.splitlines()) <= 100


def test_a_syntax_error_shows_the_line_and_a_caret(probe_root):
    proc = run_graders("grade", "probe", "--solution", MISBEHAVING / "syntax_error.py", root=probe_root)
    assert proc.returncode == 1
    assert "syntax_error.py:4: syntax error: expected ':'" in " ".join(proc.stdout.split())
    assert "      def echo(x)\n                 ^" in proc.stdout and "0/0" not in proc.stdout


def test_output_printed_before_a_timeout_is_shown_and_a_hang_costs_seconds(probe_root):
    started = time.monotonic()
    proc = run_graders("grade", "probe", "--solution", in_solutions("prints_then_hangs", probe_root), root=probe_root)
    assert "before that, the solution printed (last 5 lines):" in proc.stdout and "step 19: still converging" in proc.stdout
    assert "`echo` was not called: it already timed out in an earlier test" in " ".join(proc.stdout.split())
    assert time.monotonic() - started < 3 + 1 + 8  # one full timeout; a later call fails at once


def test_an_unwritable_json_path_is_one_line_and_keeps_the_exit_code(probe_root, tmp_path):
    (tmp_path / "dir").mkdir()
    proc = run_graders("grade", "probe", "--solution", MISBEHAVING / "correct.py", "--json", tmp_path / "dir",
                       root=probe_root)
    assert proc.returncode == 0 and f"could not write {tmp_path / 'dir'}" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_a_long_traceback_keeps_its_last_frames(probe_root, tmp_path):
    solution = tmp_path / "deep.py"
    solution.write_text((MISBEHAVING / "correct.py").read_text() + '''

def level(n):
    if n == 0:
        raise RuntimeError("the innermost frame")
    return level(n - 1)


def add(a, b):
    return level(30)
''')
    proc = run_graders("grade", "probe", "--solution", solution, root=probe_root)
    block = proc.stdout[proc.stdout.index("test_add "):]
    assert "the innermost frame" in block and 'raise RuntimeError("the innermost frame")' in block


def test_long_messages_keep_their_first_and_last_lines():
    from graders.report import shortened

    lines = [f"line {i}" for i in range(30)]
    assert shortened(lines, 9) == ["line 0", "line 1", "... (22 lines left out)", *[f"line {i}" for i in range(24, 30)]]
    assert shortened(lines[:9], 9) == lines[:9]


def test_a_failing_report_names_the_case_and_the_numbers(probe_root):
    proc = run_graders("grade", "probe", "--solution", MISBEHAVING / "patches_numpy.py", root=probe_root)
    assert proc.returncode == 1
    assert "FAIL" in proc.stdout and "for a float32 (2, 3) array" in " ".join(proc.stdout.split())
    assert "max abs error" in proc.stdout


def test_a_solution_that_is_not_text_is_an_error_not_a_crash(probe_root, tmp_path):
    solution = tmp_path / "probe.py"
    solution.write_bytes(b"\xff\xfe\x00\x00binary")
    proc = run_graders("grade", "probe", "--solution", solution, root=probe_root)
    assert proc.returncode == 1 and "not UTF-8" in " ".join(proc.stdout.split()) and "Traceback" not in proc.stderr


def test_usage_errors(probe_root, tmp_path):
    proc = run_graders("grade", "probe", "--solution", tmp_path / "nope.py", root=probe_root)
    assert proc.returncode == 2 and "no solution file" in proc.stderr
    proc = run_graders("grade", "probe", "probe", "--json", tmp_path / "x.json", root=probe_root)
    assert proc.returncode == 2 and "exactly one kata" in proc.stderr


def test_an_untouched_starter_is_not_attempted_and_does_not_fail_the_exit_code(probe_root):
    assert run_graders("start", "probe", root=probe_root).returncode == 0
    proc = run_graders("grade", root=probe_root)
    assert "probe: not attempted" in proc.stdout and proc.returncode == 0, proc.stdout
    (probe_root / "solutions" / "probe.py").write_text((MISBEHAVING / "syntax_error.py").read_text())
    assert run_graders("grade", root=probe_root).returncode == 1


def test_printed_commands_name_nox_as_it_was_called(probe_root):
    """The noxfile passes how nox was called (KATA_NOX); every printed command starts with it."""
    env = {"KATA_NOX": ".venv/bin/nox"}
    started = run_graders("start", "probe", root=probe_root, env=env).stdout
    assert "Grade it:     .venv/bin/nox -s grade -- probe" in started
    assert "(stuck? .venv/bin/nox -s hint -- probe)" in started
    again = "".join(run_graders(*args, "probe", root=probe_root, env=env).stdout for args in (["start"], ["hint"]))
    assert ".venv/bin/nox -s start -- probe --fresh" in again and ".venv/bin/nox -s hint -- probe" in again
    assert " nox -s" not in started + again


def test_a_misspelled_flag_prints_the_subcommands_usage(probe_root):
    proc = run_graders("grade", "probe", "--jsn", "out.json", root=probe_root)
    assert proc.returncode == 2 and proc.stderr.startswith("usage: python -m graders grade ")
    assert "unrecognized arguments: --jsn out.json (did you mean --json?)" in proc.stderr


def test_an_unwritable_progress_record_does_not_lose_the_grade(probe_root):
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "probe.py").write_text((MISBEHAVING / "correct.py").read_text())
    (probe_root / ".results" / "probe.json").mkdir(parents=True)  # a folder where the record goes
    (probe_root / ".progress").write_text("a file where the progress folder goes\n")
    proc = run_graders("grade", "probe", root=probe_root)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "could not write" in proc.stdout and "your progress was not recorded" in proc.stdout


# -- Ctrl-C: one line, exit 130, no child left ------------------------------------------------------

def descendants(pid):
    """The pids of every process below `pid` (from /proc)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return sorted(found)


def running(pid):
    """`pid` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def ctrl_c(args, ready, root, env=None):
    """Run `python -m graders ARGS` in its own process group (as a terminal's foreground job), wait for
    `ready` in its output, then send SIGINT to the whole group, as Ctrl-C does. -> (exit code, stdout,
    stderr, the pids below it just before the Ctrl-C)."""
    proc = subprocess.Popen([sys.executable, "-m", "graders", "--root", str(root), *map(str, args)], cwd=REPO,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, **(env or {})})
    out = queue.Queue()
    threading.Thread(target=lambda: [out.put(line) for line in proc.stdout], daemon=True).start()
    seen, deadline = "", time.monotonic() + 60
    try:
        while ready not in seen:
            seen += out.get(timeout=max(0.0, deadline - time.monotonic()))
        time.sleep(1.0)  # the workers or the reviewer are running now
        below = descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    time.sleep(0.2)
    while not out.empty():
        seen += out.get()
    return code, seen, proc.stderr.read(), below


def assert_interrupted(code, stderr, below):
    assert code == 130 and stderr.strip() == "interrupted", stderr
    assert below and not [pid for pid in below if running(pid)]


def test_ctrl_c_during_a_grade_is_one_line_and_leaves_no_worker(probe_root):
    code, out, err, below = ctrl_c(["grade", "probe", "--solution", in_solutions("infinite_loop", probe_root)],
                                   "probe - Engine probe", probe_root)
    assert_interrupted(code, err, below)
    assert "bug in the grader" not in out + err


def test_ctrl_c_during_the_interview_countdown_is_one_line(probe_root):
    code, _, err, _ = ctrl_c(["interview", "probe"], "Press Enter to grade", probe_root)
    assert code == 130 and err.strip() == "interrupted", err


def test_ctrl_c_during_a_review_ends_the_reviewer_too(probe_root):
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "probe.py").write_text((MISBEHAVING / "correct.py").read_text())
    reviewer = f"{sys.executable} {REPO / 'tests' / 'reviewers' / 'hangs.py'} | cat"  # a pipeline: a shell stays
    code, _, err, below = ctrl_c(["review", "probe"], "Asking the reviewer", probe_root,
                                 env={"KATA_REVIEWER": reviewer})
    assert_interrupted(code, err, below)


def two_framework_probe(root):
    """The probe kata with a PyTorch attempt too: a `torch` framework in its manifest and a starter_torch.py."""
    import yaml

    manifest = root / "kata.yaml"
    data = yaml.safe_load(manifest.read_text())
    data["katas"][0]["frameworks"]["torch"] = {"forbidden": ["numpy"]}
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))
    starter = (root / "katas" / "probe" / "starter.py").read_text()
    (root / "katas" / "probe" / "starter_torch.py").write_text(starter.replace("import numpy as np", "import torch"))


def test_start_torch_writes_the_pytorch_attempt_beside_the_numpy_one(probe_root):
    proc = run_graders("start", "probe", "--torch", root=probe_root)
    assert proc.returncode == 2 and "kata 'probe' has no PyTorch version yet (it is done in NumPy)" in proc.stderr
    two_framework_probe(probe_root)
    proc = run_graders("start", "probe", "--torch", root=probe_root)
    torch_attempt = probe_root / "solutions" / "probe_torch.py"
    assert proc.returncode == 0 and "Wrote solutions/probe_torch.py: Engine probe, in PyTorch" in proc.stdout
    assert torch_attempt.read_text() == (probe_root / "katas/probe/starter_torch.py").read_text()
    assert not (probe_root / "solutions" / "probe.py").exists()
    progress = json.loads((probe_root / ".progress" / "progress.json").read_text())
    assert list(progress["katas"]) == ["probe_torch"] and progress["katas"]["probe_torch"]["clock_started"]
    torch_attempt.write_text("# my attempt\n")
    proc = run_graders("start", "probe", "--torch", root=probe_root)
    assert "already exists" in proc.stdout and "start -- probe --torch --fresh" in proc.stdout
    assert torch_attempt.read_text() == "# my attempt\n"


def test_grade_grades_each_attempt_apart_and_list_and_scoreboard_keep_them_apart(probe_root):
    two_framework_probe(probe_root)
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "probe_torch.py").write_text("import torch\n" + (MISBEHAVING / "correct.py").read_text())
    (probe_root / "solutions" / "probe.py").write_text(
        (MISBEHAVING / "correct.py").read_text().replace("return a + b", "return a - b"))
    proc = run_graders("grade", "probe", root=probe_root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "probe - Engine probe, in NumPy (solutions/probe.py)" in proc.stdout
    assert "probe - Engine probe, in PyTorch (solutions/probe_torch.py)" in proc.stdout
    assert "probe: failed - 3/5" in proc.stdout and "probe_torch: passed - 5/5" in proc.stdout
    results = {p.name: json.loads(p.read_text())["status"] for p in (probe_root / ".results").glob("*.json")}
    assert results == {"probe.json": "failed", "probe_torch.json": "passed"}
    listing = run_graders("list", root=probe_root).stdout
    assert re.search(r"^probe \(NumPy\) +\* +easy +1 min +failed 3/5", listing, re.M), listing
    assert re.search(r"^probe \(PyTorch\) +\* +easy +1 min +passed 5/5", listing, re.M), listing
    board = run_graders("scoreboard", root=probe_root).stdout
    assert re.search(r"^probe +\* +FAIL", board, re.M) and re.search(r"^probe_torch +\* +PASS", board, re.M), board
    torch_only = run_graders("grade", "probe", "--torch", root=probe_root)
    assert torch_only.returncode == 0 and "solutions/probe.py" not in torch_only.stdout
    (probe_root / "solutions" / "probe.py").unlink()
    proc = run_graders("grade", root=probe_root)  # no kata: every attempt in solutions/
    assert proc.returncode == 0 and "probe_torch: passed - 5/5" in proc.stdout and "in NumPy" not in proc.stdout


def test_grade_names_the_files_in_solutions_that_are_no_attempt(probe_root):
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "probe.py").write_text((MISBEHAVING / "correct.py").read_text())
    (probe_root / "solutions" / "probe_torch.py").write_text("import torch\n")   # probe has no PyTorch version
    (probe_root / "solutions" / "helpers.py").write_text("")
    for forwarder in FORWARDERS:
        shutil.copy(REPO / "solutions" / forwarder, probe_root / "solutions" / forwarder)
    proc = run_graders("grade", root=probe_root)
    assert proc.returncode == 0 and "probe: passed - 5/5" in proc.stdout
    for name in ("helpers", "probe_torch"):
        assert f"solutions/{name}.py is not an attempt at a kata" in proc.stdout
    assert not any(f"solutions/{forwarder}" in proc.stdout for forwarder in FORWARDERS)
    assert not (probe_root / ".results" / "probe_torch.json").exists()


def test_python_m_graders_works_from_the_solutions_folder():
    """solutions/graders.py: `python -m graders` there runs the repository's graders."""
    proc = subprocess.run([sys.executable, "-m", "graders", "list"], cwd=REPO / "solutions", capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and re.search(r"^attention (\(NumPy\) +)?\*{5}", proc.stdout, re.M), proc.stdout + proc.stderr


