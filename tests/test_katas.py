"""The answer key of every ready kata, checked through `python -m graders bank`: the reference and
the correct alternatives pass, the starter is not_attempted, every known-buggy mutant fails, and
every hidden test catches at least one mutant. A two-framework kata's PyTorch key (graders/keys/<id>/torch/)
is checked the same way against the same hidden tests: its files are named torch/<name> in the report."""

import json
import shutil

import pytest

from conftest import REPO, run_graders
from graders.repo import Paths, attempts_of, ready_katas
from graders.manifest import load_manifest

KATAS = load_manifest(REPO / "kata.yaml")
READY = ready_katas(KATAS, Paths(REPO))
TWO_FRAMEWORKS = [k for k in READY if len(attempts_of(KATAS[k], Paths(REPO))) > 1]


def test_softmax_is_a_two_framework_kata():
    assert "softmax" in TWO_FRAMEWORKS


def test_the_whole_shortlist_is_ready():
    assert READY == list(load_manifest(REPO / "kata.yaml"))


@pytest.mark.parametrize("kata", READY)
def test_answer_key(kata, tmp_path):
    out = tmp_path / "bank.json"
    proc = run_graders("bank", kata, "--json", out, timeout=900)
    assert out.is_file(), proc.stdout + proc.stderr
    (report,) = json.loads(out.read_text())
    prefixes = [""] + [f"{a.framework}/" for a in attempts_of(KATAS[kata], Paths(REPO)) if not a.default]
    assert report["statuses"]["reference"] == {f"{p}reference": "passed" for p in prefixes}
    assert report["statuses"]["starter"] == {f"{p}starter": "not_attempted" for p in prefixes}
    assert set(report["statuses"]["alternatives"].values()) <= {"passed"}
    for prefix in prefixes:
        alternatives = [name for name in report["statuses"]["alternatives"] if name.startswith(prefix) and
                        ("/" in name) == bool(prefix)]
        mutants = [name for name in report["mutants"] if name.startswith(prefix) and ("/" in name) == bool(prefix)]
        assert len(alternatives) >= 3, f"each answer key ({prefix or 'first framework'}) needs correct solutions in other styles"
        assert len(mutants) >= 8, f"each answer key ({prefix or 'first framework'}) needs at least 8 mutants"
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
