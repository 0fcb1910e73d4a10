"""The answer key of every ready kata, checked through `python -m graders bank`: the reference and
the correct alternatives pass, the starter is not_attempted, every known-buggy mutant fails, and
every hidden test catches at least one mutant."""

import json
import shutil

import pytest

from conftest import REPO, run_graders
from graders.repo import Paths, ready_katas
from graders.manifest import load_manifest

READY = ready_katas(load_manifest(REPO / "kata.yaml"), Paths(REPO))


def test_the_whole_shortlist_is_ready():
    assert READY == list(load_manifest(REPO / "kata.yaml"))


@pytest.mark.parametrize("kata", READY)
def test_answer_key(kata, tmp_path):
    out = tmp_path / "bank.json"
    proc = run_graders("bank", kata, "--json", out, timeout=900)
    assert out.is_file(), proc.stdout + proc.stderr
    (report,) = json.loads(out.read_text())
    assert report["statuses"]["reference"] == {"reference": "passed"}
    assert report["statuses"]["starter"] == {"starter": "not_attempted"}
    assert set(report["statuses"]["alternatives"].values()) <= {"passed"}
    assert len(report["statuses"]["alternatives"]) >= 3, "each kata needs correct solutions in other styles"
    assert not report["problems"], "\n".join(report["problems"])
    assert proc.returncode == 0


def test_bench_reports_isolated_and_bare_times(probe_root):
    key = probe_root / "graders" / "keys" / "probe"
    key.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "tests" / "misbehaving" / "correct.py", key / "reference.py")
    proc = run_graders("bench", "probe", "--repeat", "1", root=probe_root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    row = proc.stdout.splitlines()[-1].split()
    assert row[0] == "probe" and row[1].endswith("s") and row[3].endswith("%")
