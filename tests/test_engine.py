"""The engine against real misbehaving solutions (tests/misbehaving/), graded through the CLI on the
probe kata (tests/engine_kata/): each status comes from a solution that really does the thing."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ENGINE_KATA, REPO, grade_json, run_graders

MISBEHAVING = Path(__file__).resolve().parent / "misbehaving"


def grade(name, tmp_path, root=ENGINE_KATA):
    return grade_json("probe", in_solutions(name, tmp_path), root, tmp_path)


def in_solutions(name, tmp_path):
    """tests/misbehaving/<name>.py beside correct.py in a solutions/ folder: the sandbox shows a
    solution's sibling *.py files only there (a solution elsewhere is shown alone)."""
    folder = tmp_path / "solutions"
    folder.mkdir(exist_ok=True)
    for f in (f"{name}.py", "correct.py"):
        shutil.copy(MISBEHAVING / f, folder / f)
    return folder / f"{name}.py"


def test_correct_solution_passes(tmp_path):
    result, proc = grade("correct", tmp_path)
    assert result["status"] == "passed", proc.stdout
    assert result["passed"] == result["total"] == 5
    assert proc.returncode == 0
    assert set(result) >= {"kata", "status", "passed", "total", "duration_s", "tests"}
    assert set(result["tests"][0]) == {"name", "category", "status", "message", "duration_s"}


def test_starter_is_not_attempted(tmp_path):
    result, proc = grade_json("probe", ENGINE_KATA / "katas" / "probe" / "starter.py", ENGINE_KATA, tmp_path)
    assert result["status"] == "not_attempted"
    assert {t["status"] for t in result["tests"]} == {"not_attempted"}
    assert proc.returncode == 0  # an untouched starter is not a failure


def test_infinite_loop_times_out_within_the_limit(tmp_path):
    started = time.monotonic()
    result, proc = grade("infinite_loop", tmp_path)
    elapsed = time.monotonic() - started
    assert result["status"] == "timeout", proc.stdout
    hung = [t for t in result["tests"] if t["name"] in ("test_echo_array", "test_add")]
    assert all(t["status"] == "timeout" for t in hung)
    assert all(t["duration_s"] < 3 + 1.5 for t in hung), hung  # timeout_s = 3 in the probe manifest
    assert elapsed < 20 + 10  # kata_timeout_s = 20: never much past it


def test_kata_budget_ends_the_kata(probe_root, tmp_path):
    manifest = probe_root / "kata.yaml"
    manifest.write_text(manifest.read_text().replace("kata_timeout_s: 20", "kata_timeout_s: 4"))
    started = time.monotonic()
    result, proc = grade("infinite_loop", tmp_path, root=probe_root)
    assert time.monotonic() - started < 4 + 8
    assert result["status"] == "timeout"
    assert any("budget ran out" in t["message"] for t in result["tests"]), result["tests"]


def test_50gb_allocation_is_memory(tmp_path):
    result, proc = grade("allocates_50gb", tmp_path)
    assert result["status"] == "memory", proc.stdout
    echo = next(t for t in result["tests"] if t["name"] == "test_echo_array")
    assert echo["status"] == "memory" and "MemoryError" in echo["message"]


@pytest.mark.parametrize("name", ["os_exit", "sys_exit", "segfault"])
def test_process_exit_or_crash_is_error_not_passed(name, tmp_path):
    result, proc = grade(name, tmp_path)
    assert result["status"] == "error", proc.stdout
    broken = [t for t in result["tests"] if t["status"] == "error"]
    assert broken and all(("exit" in t["message"] or "SIGSEGV" in t["message"]) for t in broken), broken
    # the worker is replaced after it dies: the other tests still ran and passed
    assert result["passed"] >= 3


def test_syntax_error_names_the_line(tmp_path):
    result, proc = grade("syntax_error", tmp_path)
    assert result["status"] == "error"
    assert re.search(r"syntax_error\.py:4: syntax error", result["message"]), result["message"]


def test_missing_function_is_named(tmp_path):
    result, _ = grade("missing_name", tmp_path)
    assert result["status"] == "error"
    add = [t for t in result["tests"] if t["name"] in ("test_add", "test_add_arrays")]
    assert all(t["status"] == "error" and "defines no `add`" in t["message"] for t in add)


def test_import_error_is_reported_once_with_the_module(tmp_path):
    result, proc = grade("import_error", tmp_path)
    assert result["status"] == "error"
    assert "No module named 'no_such_module_anywhere'" in result["message"]
    assert all(t["status"] == "error" for t in result["tests"])


def test_hang_at_import_is_timeout(tmp_path):
    result, _ = grade("hangs_on_import", tmp_path)
    assert result["status"] == "timeout"


def test_printing_100mb_is_truncated_and_harmless(tmp_path):
    result, proc = grade("prints_100mb", tmp_path)
    assert result["status"] == "passed"
    assert len(proc.stdout) < 20_000  # the report shows a few lines of it, not 100 MB
    printed = re.search(r"printed ([\d,]+) bytes", proc.stdout)
    assert printed and int(printed[1].replace(",", "")) >= 100 * 2**20, proc.stdout[-500:]


def test_forbidden_call_is_disallowed_before_running(tmp_path):
    result, proc = grade("forbidden_import", tmp_path)
    assert result["status"] == "disallowed"
    assert "forbidden_import.py:8: `return sp.softmax(x)` uses scipy.special.softmax" in result["message"]
    assert result["total"] == 0  # nothing ran


@pytest.mark.parametrize("name", ["patches_numpy", "lying_array"])
def test_solution_cannot_reach_the_judges_comparisons(name, tmp_path):
    result, proc = grade(name, tmp_path)
    assert result["status"] == "failed", proc.stdout
    assert next(t for t in result["tests"] if t["name"] == "test_echo_array")["status"] == "failed"


def test_child_processes_die_with_the_worker(tmp_path):
    result, _ = grade("spawns_child", tmp_path)
    assert result["status"] == "timeout"
    time.sleep(0.2)
    leftovers = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"424242" in cmdline.read_bytes():
                leftovers.append(cmdline.parent.name)
        except OSError:
            pass
    assert not leftovers, f"processes left running: {leftovers}"


def test_oversized_return_is_refused_not_read(probe_root, tmp_path):
    manifest = probe_root / "kata.yaml"
    manifest.write_text(manifest.read_text().replace("memory_mb: 512", "memory_mb: 4096"))
    result, _ = grade("huge_return", tmp_path, root=probe_root)
    echo = next(t for t in result["tests"] if t["name"] == "test_echo_array")
    assert echo["status"] == "failed" and "limit" in echo["message"], echo


def with_a_second_kata(probe_root, first_solution):
    """probe_root with solutions/probe.py = `first_solution` (text) and a second kata, probe_two (a copy
    of probe), with a correct solution (and correct.py beside them): for a run that grades both, in that order."""
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "correct.py").write_text((MISBEHAVING / "correct.py").read_text())
    (probe_root / "solutions" / "probe.py").write_text(first_solution)
    manifest = probe_root / "kata.yaml"
    text = manifest.read_text()
    manifest.write_text(text + text.split("katas:\n", 1)[1].replace("id: probe", "id: probe_two"))
    (probe_root / "katas" / "probe_two").mkdir()
    for f in (probe_root / "katas" / "probe").glob("*.*"):
        (probe_root / "katas" / "probe_two" / f.name).write_text(f.read_text().replace("probe", "probe_two"))
    (probe_root / "solutions" / "probe_two.py").write_text((MISBEHAVING / "correct.py").read_text())


def grade_both(probe_root, results):
    """Grade probe then probe_two in one run -> (the process, probe's JSON, probe_two's JSON)."""
    proc = run_graders("grade", "probe", "probe_two", "--results-dir", results, root=probe_root)
    return proc, *(json.loads((results / f"{k}.json").read_text()) for k in ("probe", "probe_two"))


def test_one_kata_crashing_does_not_stop_the_next(probe_root, tmp_path):
    """Two katas in one run: the first one's worker dies, the second still grades."""
    with_a_second_kata(probe_root, (MISBEHAVING / "os_exit.py").read_text())
    proc, first, second = grade_both(probe_root, tmp_path / "results")
    assert proc.returncode == 1
    assert first["status"] == "error" and second["status"] == "passed"


def test_hidden_tests_that_do_not_run_are_that_katas_error_and_the_next_kata_grades(probe_root, tmp_path):
    """A maintainer's bug (here a hidden test file that does not parse): the kata's JSON says so, the
    run exits 1, and the next kata is graded."""
    with_a_second_kata(probe_root, (MISBEHAVING / "correct.py").read_text())
    (probe_root / "katas" / "probe" / "test_probe.py").write_text("def test_broken(:\n")
    proc, first, second = grade_both(probe_root, tmp_path / "results")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert first["status"] == "error" and "bug in the grader" in first["message"], first
    assert second["status"] == "passed"


def test_worker_environment_is_isolated(tmp_path, monkeypatch):
    """A variable in the grader's environment (a token, say) does not reach the solution."""
    monkeypatch.setenv("KATA_GYM_SECRET", "do-not-leak")
    solution = tmp_path / "leak.py"
    solution.write_text("import os\n" + (MISBEHAVING / "correct.py").read_text().replace(
        "def add(a, b):\n    return a + b", "def add(a, b):\n    return os.environ.get('KATA_GYM_SECRET', a + b)"))
    result, _ = grade_json("probe", solution, ENGINE_KATA, tmp_path)
    assert next(t for t in result["tests"] if t["name"] == "test_add")["status"] == "passed"
    assert os.environ["KATA_GYM_SECRET"] == "do-not-leak"


VALUE = '{"dict": [["value", %s]]}'  # the reply {"value": ...} as the worker encodes it
HOSTILE_REPLIES = {
    "an overflowing shape": VALUE % '{"array": [0, "<f8", [2**62, 2**62]]}',
    "a shape past any C integer": VALUE % '{"array": [0, "<f8", [2**64]]}',
    "an infinite handle": VALUE % '{"handle": [float("inf"), "Model"]}',
    "a fractional handle": VALUE % '{"handle": [1.5, "Model"]}',
    "a handle's type name of 10 MB": VALUE % '{"handle": [1, "M" * 10**7]}',
    "nesting past the cap": VALUE % "nest(300)",
    "a value and a forged exception": '{"dict": [["value", 1], ["raised", 7]]}',
}


def hostile(folder, reply, at_import):
    """tests/misbehaving/forges_hostile_reply.py forging `reply`, beside correct.py, in `folder` (a
    solutions/ folder, whose sibling files the sandbox shows)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "correct.py").write_text((MISBEHAVING / "correct.py").read_text())
    source = (MISBEHAVING / "forges_hostile_reply.py").read_text()
    solution = folder / "forges_hostile_reply.py"
    solution.write_text(source.replace("@REPLY@", reply).replace("@AT_IMPORT@", str(at_import)))
    return solution


@pytest.mark.parametrize("what", HOSTILE_REPLIES)
def test_a_hostile_reply_to_a_call_is_that_tests_error(what, tmp_path):
    result, proc = grade_json("probe", hostile(tmp_path / "solutions", HOSTILE_REPLIES[what], False), ENGINE_KATA, tmp_path)
    statuses = {t["name"]: t["status"] for t in result["tests"]}
    assert statuses == {"test_echo_array": "error", "test_plain_data_round_trip": "error", "test_add": "passed",
                        "test_rejects_non_positive": "passed", "test_add_arrays": "passed"}, result
    assert "malformed reply" in result["tests"][0]["message"] and proc.returncode == 1


@pytest.mark.parametrize("what", HOSTILE_REPLIES)
def test_a_hostile_reply_at_import_is_the_katas_error_and_the_next_kata_grades(what, probe_root, tmp_path):
    """The forged reply answers the import: the kata is `error` with its JSON written, exit code 1, and
    the kata after it in the same run is still graded."""
    with_a_second_kata(probe_root, hostile(tmp_path / "s", HOSTILE_REPLIES[what], True).read_text())
    proc, first, second = grade_both(probe_root, tmp_path / "results")
    assert proc.returncode == 1 and "bug in the grader" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert first["status"] == "error" and "malformed reply" in first["message"], first
    assert second["status"] == "passed"



JUDGE_WITH_PEAK = ("import sys; from graders.__main__ import main; code = main(sys.argv[1:]); "
                   "print(*[l for l in open('/proc/self/status') if l.startswith('VmHWM')], file=sys.stderr); "
                   "sys.exit(code)")


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads the judge's peak from /proc")
@pytest.mark.parametrize("mib", [64, 256])
def test_a_huge_reply_costs_the_judge_a_small_multiple_of_its_size(mib, probe_root, tmp_path):
    """A well-formed reply of `mib` MiB that test_add reports as wrong: the judge's own peak memory stays
    a small multiple of the reply (it used to format the whole value: 5-6x, and 18-24 s for 256 MiB,
    past the limit), and the test ends as failed, inside its time limit, with a bounded message."""
    manifest = probe_root / "kata.yaml"
    manifest.write_text(manifest.read_text().replace("memory_mb: 512", "memory_mb: 4096")
                        .replace("timeout_s: 3\n", "timeout_s: 15\n")
                        .replace("kata_timeout_s: 20", "kata_timeout_s: 90"))
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "correct.py").write_text((MISBEHAVING / "correct.py").read_text())
    solution = probe_root / "solutions" / "huge.py"
    solution.write_text((MISBEHAVING / "returns_huge_bytes.py").read_text().replace("@MB@", str(mib)))
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-c", JUDGE_WITH_PEAK, "--root", probe_root, "grade", "probe",
                           "--solution", solution, "--json", out, "--sandbox", "off"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    peak_mib = int(re.search(r"VmHWM:\s+(\d+) kB", proc.stderr)[1]) / 1024
    add = next(t for t in json.loads(out.read_text())["tests"] if t["name"] == "test_add")
    assert add["status"] == "failed" and len(add["message"]) < 1000, add
    assert peak_mib < 4 * mib + 100, f"the judge peaked at {peak_mib:.0f} MiB for a {mib} MiB reply"
