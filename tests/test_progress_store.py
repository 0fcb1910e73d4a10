"""The progress store under concurrent writers: real processes changing .progress/progress.json at
the same time (several grades, hints), and every change lands."""

import json
import subprocess
import sys

from conftest import REPO
from graders.progress import ProgressStore
from test_engine import MISBEHAVING

WRITERS, CHANGES = 4, 40


def test_concurrent_writers_lose_no_update(tmp_path):
    """Four processes each take a hint 40 times on a shared kata and on their own: all 320 land."""
    path = tmp_path / ".progress" / "progress.json"
    writer = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from graders.progress import ProgressStore
me = sys.argv[1]
for _ in range({CHANGES}):
    with ProgressStore.update({str(path)!r}) as store:
        store.hinted("shared")
        store.hinted(me)
"""
    procs = [subprocess.Popen([sys.executable, "-c", writer, f"kata{i}"]) for i in range(WRITERS)]
    assert [p.wait(timeout=120) for p in procs] == [0] * WRITERS
    store = ProgressStore.load(path)
    assert store.warning == ""
    assert store.kata("shared").hints == WRITERS * CHANGES
    assert [store.kata(f"kata{i}").hints for i in range(WRITERS)] == [CHANGES] * WRITERS


def test_grades_and_hints_at_the_same_time_all_land(probe_root):
    """Four `grade`s and three `hint`s launched together: four attempts and three hints are recorded."""
    solution = probe_root / "solutions" / "probe.py"
    solution.parent.mkdir()
    solution.write_text((MISBEHAVING / "correct.py").read_text())
    command = [sys.executable, "-m", "graders", "--root", str(probe_root)]
    procs = [subprocess.Popen([*command, "grade", "probe"], cwd=REPO, stdout=subprocess.DEVNULL) for _ in range(4)]
    procs += [subprocess.Popen([*command, "hint", "probe"], cwd=REPO, stdout=subprocess.DEVNULL) for _ in range(3)]
    assert [p.wait(timeout=300) for p in procs] == [0] * 7
    record = json.loads((probe_root / ".progress" / "progress.json").read_text())["katas"]["probe"]
    assert len(record["attempts"]) == 4 and record["hints"] == 3
