"""Levels (graded follow-ups): the manifest's `levels:`, `grade KATA` grading the levels the file
defines and `grade KATA:LEVEL` one of them, `start KATA:LEVEL` appending a stub without touching the
learner's code (or writing a fresh level's own file), `prompt`, `list`, the scoreboard's levels
column, `progress`, the drill and the interview's graded follow-up, on the probe kata given three levels:
`double` (same file, a new function, with a stub), `scaled` (same file, a new parameter of `add`),
`negate` (a file of its own)."""

import json
import queue
import re
import subprocess
import sys
import threading

import pytest
import yaml

from conftest import REPO, run_graders
from graders.manifest import ManifestError, load_manifest
from test_engine import MISBEHAVING

LEVELS = [
    {"id": "double", "title": "Double it", "minutes": 2, "file": "same", "functions": ["double"]},
    {"id": "scaled", "title": "A scaled add", "minutes": 2, "file": "same", "functions": ["add(scale)"]},
    {"id": "negate", "title": "Negate, in a file of its own", "minutes": 2, "file": "fresh", "functions": ["negate"]},
]
TESTS = {
    "double": '''
import numpy as np
import pytest

from graders.check import assert_close


@pytest.mark.category("correctness")
def test_double_a_number(solution):
    assert solution.double(3) == 6


@pytest.mark.category("correctness")
def test_double_an_array(solution):
    x = np.arange(4.0)
    assert_close(solution.double(x), 2 * x, "arange(4.0)", rtol=0, atol=0)
''',
    "scaled": '''
import pytest


@pytest.mark.category("correctness")
def test_scaled_add(solution):
    assert solution.add(2, 3, scale=2) == 10
''',
    "negate": '''
import pytest


@pytest.mark.category("correctness")
def test_negate(solution):
    assert solution.negate(3) == -3
''',
}
CORRECT = (MISBEHAVING / "correct.py").read_text()
DOUBLE = "\n\ndef double(x):\n    return 2 * x\n"


def with_levels(root):
    """The probe kata of `root` given the three levels, their prompts, tests, stub and starter."""
    manifest = root / "kata.yaml"
    data = yaml.safe_load(manifest.read_text())
    data["katas"][0]["levels"] = LEVELS
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))
    for level in LEVELS:
        folder = root / "katas" / "probe" / "levels" / level["id"]
        folder.mkdir(parents=True)
        (folder / "prompt.md").write_text(f"# {level['title']}\n\nThe interviewer: now `{level['functions'][0]}`.\n")
        (folder / f"test_{level['id']}.py").write_text(TESTS[level["id"]])
        key = root / "graders" / "keys" / "probe" / "levels" / level["id"]
        key.mkdir(parents=True)
    (root / "katas/probe/levels/double/stub.py").write_text(
        'import numpy as np\n\n\ndef double(x):\n    """2 * x."""\n    raise NotImplementedError\n')
    (root / "katas/probe/levels/negate/starter.py").write_text('def negate(x):\n    raise NotImplementedError\n')
    return root


@pytest.fixture
def levels_root(probe_root):
    return with_levels(probe_root)


def test_the_manifest_reads_levels_and_names_a_bad_one(levels_root, tmp_path):
    kata = load_manifest(levels_root / "kata.yaml")["probe"]
    assert [level.id for level in kata.levels] == ["double", "scaled", "negate"]
    assert kata.level("scaled").marks() == [("add", "scale")] and kata.level("negate").file == "fresh"
    for change, message in [
        (lambda levels: levels[0].update(file="other"), "level 'double': field 'file' is 'other'"),
        (lambda levels: levels[1].update(functions=["add(scale"]), "level 'scaled': field 'functions'"),
        (lambda levels: levels[2].pop("minutes"), "level 'negate': missing field 'minutes'"),
        (lambda levels: levels.append(dict(levels[0])), "level 'double' appears twice"),
        (lambda levels: levels[0].update(id="torch"), "field 'id' is 'torch'"),
        (lambda levels: levels[0].update(id="a:b"), "field 'id' is 'a:b'"),
        (lambda levels: levels[0].update(hints=3), "level 'double': unknown field 'hints'"),
    ]:
        data = yaml.safe_load((levels_root / "kata.yaml").read_text())
        change(data["katas"][0]["levels"])
        (tmp_path / "kata.yaml").write_text(yaml.safe_dump(data))
        with pytest.raises(ManifestError, match=re.escape(message)):
            load_manifest(tmp_path / "kata.yaml")


def test_start_appends_a_stub_and_never_touches_what_the_learner_wrote(levels_root):
    refused = run_graders("start", "probe:double", root=levels_root)
    assert refused.returncode == 2 and "start the kata first" in refused.stderr and "start -- probe" in refused.stderr
    solution = levels_root / "solutions" / "probe.py"
    solution.parent.mkdir()
    mine = "import numpy as np\n" + CORRECT
    solution.write_text(mine)
    proc = run_graders("start", "probe:double", root=levels_root)
    assert proc.returncode == 0 and "Appended the stub of `double` to solutions/probe.py" in proc.stdout, proc.stdout
    text = solution.read_text()
    assert text.startswith(mine) and "# -- Level probe:double: Double it --" in text
    assert text.count("import numpy as np") == 1  # the stub's import is there already
    again = run_graders("start", "probe:double", root=levels_root)
    assert "already defines `double`" in again.stdout and solution.read_text() == text
    scaled = run_graders("start", "probe:scaled", root=levels_root)
    assert "Add `add(scale)` to solutions/probe.py" in scaled.stdout and solution.read_text() == text
    fresh = run_graders("start", "probe:negate", root=levels_root)
    assert fresh.returncode == 0 and "Wrote solutions/probe.negate.py" in fresh.stdout
    assert (levels_root / "solutions" / "probe.negate.py").read_text().startswith("def negate(x)")
    progress = json.loads((levels_root / ".progress" / "progress.json").read_text())["katas"]
    assert {"probe:double", "probe:scaled", "probe:negate"} <= set(progress)
    unknown = run_graders("start", "probe:doubel", root=levels_root)
    assert unknown.returncode == 2 and "did you mean 'probe:double'?" in unknown.stderr


def test_grade_grades_the_levels_the_file_defines_and_says_which_pass(levels_root):
    (levels_root / "solutions").mkdir()
    (levels_root / "solutions" / "probe.py").write_text(CORRECT + DOUBLE)
    (levels_root / "solutions" / "probe.negate.py").write_text("def negate(x):\n    return x\n")
    proc = run_graders("grade", "probe", root=levels_root)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr  # the kata passed: a failing level is reported, not failed on
    assert "probe: passed - 5/5" in out and "probe:double: passed - 2/2" in out and "probe:negate: failed - 0/1" in out
    assert "probe:scaled" not in out.split("probe levels:")[0]  # add has no `scale`: not graded
    assert re.search(r"probe levels: 1/3 passed \(double passed; scaled not started \(.*start -- probe:scaled\); "
                     r"negate failed 0/1\)", " ".join(out.split())), out
    results = {p.name: json.loads(p.read_text()) for p in (levels_root / ".results").glob("*.json")}
    assert set(results) == {"probe.json", "probe.double.json", "probe.negate.json"}
    assert results["probe.double.json"]["kata"] == "probe:double"
    one = run_graders("grade", "probe:double", root=levels_root)
    assert one.returncode == 0 and "probe:double: passed - 2/2" in one.stdout and "probe: passed" not in one.stdout
    assert run_graders("grade", "probe:negate", root=levels_root).returncode == 1  # a level named fails the grade
    not_yet = run_graders("grade", "probe:scaled", root=levels_root)
    assert not_yet.returncode == 0 and "probe:scaled: not attempted" in not_yet.stdout
    assert "does not define `add(scale)` yet" in not_yet.stdout
    listing = run_graders("list", root=levels_root, env={"COLUMNS": "160"}).stdout
    assert re.search(r"^probe +\* +easy +1 min +passed 5/5 +passed +1/3 ", listing, re.M), listing
    board = run_graders("scoreboard", root=levels_root).stdout
    assert re.search(r"^probe +\* +PASS +passed +5/5 +1/3 ", board, re.M) and "level probe:negate: failed 0/1" in board
    progress = run_graders("progress", root=levels_root).stdout
    assert re.search(r"^probe:double ", progress, re.M) and re.search(r"^probe:negate ", progress, re.M), progress


def test_a_level_with_a_new_parameter_is_graded_once_the_function_has_it(levels_root):
    (levels_root / "solutions").mkdir()
    (levels_root / "solutions" / "probe.py").write_text(
        CORRECT.replace("def add(a, b):\n    return a + b", "def add(a, b, scale=1):\n    return scale * (a + b)"))
    proc = run_graders("grade", "probe", root=levels_root)
    assert proc.returncode == 0 and "probe:scaled: passed - 1/1" in proc.stdout, proc.stdout


def test_prompt_hint_and_reveal_of_a_level(levels_root):
    prompt = run_graders("prompt", "probe:double", root=levels_root, env={"COLUMNS": "80"})
    assert prompt.returncode == 0 and "Double it" in prompt.stdout and "start -- probe:double" in prompt.stdout
    assert "has no hints yet" in run_graders("hint", "probe:double", root=levels_root).stdout
    (levels_root / "graders/keys/probe/levels/double/reference.py").write_text("def double(x):\n    return x + x\n")
    refused = run_graders("reveal", "probe:double", root=levels_root)
    assert refused.returncode == 1 and "x + x" not in refused.stdout
    assert "x + x" in run_graders("reveal", "probe:double", "--give-up", root=levels_root).stdout


def test_the_drill_picks_a_started_level_by_its_own_record(levels_root):
    from graders.drill import pick_attempt
    from graders.progress import ProgressStore
    from graders.repo import Attempt, Paths

    katas = load_manifest(levels_root / "kata.yaml")
    base = Attempt(katas["probe"], "numpy", Paths(levels_root))
    store = ProgressStore(levels_root / "p.json")
    store.kata("probe").attempts.append({"at": 1.0, "status": "passed", "passed": 5, "total": 5, "elapsed_s": 30.0})
    store.kata("probe").due = 10.0 ** 12  # not due for a long time
    store.kata("probe:double").attempts.append({"at": 2.0, "status": "failed", "passed": 1, "total": 2, "elapsed_s": 9.0})
    assert pick_attempt(store, [base, *base.levels()], now=100.0).key == "probe:double"


def test_the_interview_hands_out_a_graded_follow_up_after_a_pass(levels_root):
    """Base written during the countdown, Enter; the level's prompt and countdown; the level written, Enter;
    the open questions skipped (end of input)."""
    proc = subprocess.Popen([sys.executable, "-m", "graders", "--root", str(levels_root), "interview", "probe",
                             "--minutes", "0.5"], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    seen = []

    def until(text):
        seen.append(lines.get(timeout=60))
        while text not in seen[-1]:
            seen.append(lines.get(timeout=60))

    solution = levels_root / "solutions" / "probe.py"
    try:
        until("Press Enter to grade")
        solution.write_text(CORRECT)
        proc.stdin.write("\n")
        proc.stdin.flush()
        until("Press Enter to grade")
        assert "double" in solution.read_text()  # the stub, appended
        solution.write_text(CORRECT + DOUBLE)
        proc.stdin.write("\n")
        proc.stdin.close()
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = "".join(seen) + "".join(lines.get() for _ in range(lines.qsize()))
    assert "probe: passed - 5/5" in out and "Now a follow-up, Double it (probe:double)" in out, out
    assert "The interviewer: now `double`" in out and "probe:double: passed - 2/2" in out, out
    assert "1. What does echo return for a list?" in out
