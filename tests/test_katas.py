"""The answer key of every ready kata, checked through `python -m graders bank`: the reference and
the correct alternatives pass, the starter is not_attempted, every known-buggy mutant fails, and
every hidden test catches at least one mutant. A two-framework kata's PyTorch key (graders/keys/<id>/torch/)
is checked the same way against the same hidden tests: its files are named torch/<name> in the report.
Each level's key (graders/keys/<id>/levels/<level>/[torch/]) is checked in full the same way, in every
framework of the kata, with at least 3 alternatives and 6 mutants each."""

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import REPO, run_graders
from graders.repo import Paths, attempts_of, ready_katas
from graders.manifest import load_manifest

KATAS = load_manifest(REPO / "kata.yaml")
READY = ready_katas(KATAS, Paths(REPO))
TWO_FRAMEWORKS = [k for k in READY if len(attempts_of(KATAS[k], Paths(REPO))) > 1]


def test_softmax_is_a_two_framework_kata():
    assert "softmax" in TWO_FRAMEWORKS


def test_softmax_has_its_two_levels():
    assert [level.id for level in KATAS["softmax"].levels] == ["logsumexp", "label_smoothing"]


def test_the_whole_shortlist_is_ready():
    assert READY == list(load_manifest(REPO / "kata.yaml"))


@pytest.fixture(scope="module")
def banks(request, tmp_path_factory):
    """kata -> a future of (its bank's CompletedProcess, its JSON report's path): the banks of every selected
    test_answer_key start at the first, as many at once as there are cores (a judge mostly waits)."""
    folder = tmp_path_factory.mktemp("banks")
    selected = [item.callspec.params["kata"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_answer_key"]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        yield {kata: pool.submit(lambda kata=kata: (run_graders("bank", kata, "--json", folder / f"{kata}.json",
                                                                timeout=1500), folder / f"{kata}.json"))
               for kata in selected}


@pytest.mark.parametrize("kata", READY)
def test_answer_key(kata, banks):
    proc, out = banks[kata].result()
    assert out.is_file(), proc.stdout + proc.stderr
    (report,) = json.loads(out.read_text())
    prefixes = [""] + [f"{a.framework}/" for a in attempts_of(KATAS[kata], Paths(REPO)) if not a.default]
    check_key(report, prefixes, min_mutants=8, what="answer key")
    assert set(report["levels"]) == {level.id for level in KATAS[kata].levels}
    for level_id, level_report in report["levels"].items():
        check_key(level_report, prefixes, min_mutants=6, what=f"level {level_id}'s answer key")
    assert not report["problems"], "\n".join(report["problems"])
    assert proc.returncode == 0


def check_key(report, prefixes, min_mutants, what):
    """One answer key's bank report (a kata's or a level's), in every framework (`prefixes`: "", "torch/")."""
    assert report["statuses"]["reference"] == {f"{p}reference": "passed" for p in prefixes}, what
    assert report["statuses"]["starter"] == {f"{p}starter": "not_attempted" for p in prefixes}, what
    assert set(report["statuses"]["alternatives"].values()) <= {"passed"}, what
    for prefix in prefixes:
        alternatives = [name for name in report["statuses"]["alternatives"] if name.startswith(prefix) and
                        ("/" in name) == bool(prefix)]
        mutants = [name for name in report["mutants"] if name.startswith(prefix) and ("/" in name) == bool(prefix)]
        assert len(alternatives) >= 3, f"each {what} ({prefix or 'first framework'}) needs correct solutions in other styles"
        assert len(mutants) >= min_mutants, f"each {what} ({prefix or 'first framework'}) needs at least {min_mutants} mutants"


def test_bench_reports_isolated_and_bare_times(probe_root):
    key = probe_root / "graders" / "keys" / "probe"
    key.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "tests" / "misbehaving" / "correct.py", key / "reference.py")
    proc = run_graders("bench", "probe", "--repeat", "1", root=probe_root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    row = proc.stdout.splitlines()[-1].split()
    assert row[0] == "probe" and row[1].endswith("s") and row[3].endswith("%")
