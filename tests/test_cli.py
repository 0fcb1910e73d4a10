"""The learner's commands on the probe repository: start, grade, list, and their error messages."""

import json

from conftest import REPO, run_graders
from test_engine import MISBEHAVING


def test_unknown_kata_is_a_usage_error_that_lists_the_katas(probe_root):
    proc = run_graders("grade", "atention", root=probe_root)
    assert proc.returncode == 2
    assert "unknown kata 'atention'" in proc.stderr and "probe" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_kata_without_hidden_tests_yet_is_named_as_such():
    proc = run_graders("grade", "tiny_transformer", root=REPO)
    assert proc.returncode == 2 and "has no hidden tests yet" in proc.stderr


def test_start_copies_the_starter_and_never_overwrites_an_attempt(probe_root):
    proc = run_graders("start", "probe", root=probe_root)
    solution = probe_root / "solutions" / "probe.py"
    assert proc.returncode == 0 and solution.read_text() == (probe_root / "katas/probe/starter.py").read_text()
    assert "katas/probe/prompt.md" in proc.stdout
    solution.write_text("# my attempt\n")
    proc = run_graders("start", "probe", root=probe_root)
    assert proc.returncode == 1 and "already exists" in proc.stdout and "--force" in proc.stdout
    assert solution.read_text() == "# my attempt\n"
    proc = run_graders("start", "probe", "--force", root=probe_root)
    assert proc.returncode == 0
    backups = list((probe_root / "solutions" / ".backup").glob("probe-*.py"))
    assert [b.read_text() for b in backups] == ["# my attempt\n"]


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


def test_list_survives_a_corrupt_progress_record(probe_root):
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "probe.py").write_text("x = 1\n")
    (probe_root / ".results").mkdir()
    (probe_root / ".results" / "probe.json").write_text('{"status": "passed", "passed": "lots"')
    proc = run_graders("list", root=probe_root)
    assert proc.returncode == 0 and "unreadable record" in proc.stdout and "Traceback" not in proc.stderr


def test_list_shows_every_manifest_kata():
    proc = run_graders("list", root=REPO)
    assert proc.returncode == 0
    assert proc.stdout.count("\n") == 16  # a header and 15 katas
    assert "coming soon" in proc.stdout  # the katas whose folders come later


def test_a_failing_report_names_the_case_and_the_numbers(probe_root):
    proc = run_graders("grade", "probe", "--solution", MISBEHAVING / "patches_numpy.py", root=probe_root)
    assert proc.returncode == 1
    assert "FAIL" in proc.stdout and "for a float32 (2, 3) array" in proc.stdout
    assert "max abs error" in proc.stdout


def test_a_solution_that_is_not_text_is_an_error_not_a_crash(probe_root, tmp_path):
    solution = tmp_path / "probe.py"
    solution.write_bytes(b"\xff\xfe\x00\x00binary")
    proc = run_graders("grade", "probe", "--solution", solution, root=probe_root)
    assert proc.returncode == 1 and "not UTF-8" in proc.stdout and "Traceback" not in proc.stderr


def test_usage_errors(probe_root, tmp_path):
    proc = run_graders("grade", "probe", "--solution", tmp_path / "nope.py", root=probe_root)
    assert proc.returncode == 2 and "no solution file" in proc.stderr
    proc = run_graders("grade", "probe", "probe", "--json", tmp_path / "x.json", root=probe_root)
    assert proc.returncode == 2 and "exactly one kata" in proc.stderr


def test_an_unwritable_progress_record_does_not_lose_the_grade(probe_root):
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "probe.py").write_text((MISBEHAVING / "correct.py").read_text())
    (probe_root / ".results" / "probe.json").mkdir(parents=True)  # a folder where the record goes
    proc = run_graders("grade", "probe", root=probe_root)
    assert proc.returncode == 0 and "could not record" in proc.stdout and "Traceback" not in proc.stderr
