"""Fresh inputs (issue 16, class 9): the hidden tests' fixed seeds make every input known in advance,
so a table of the reference's answers passes them (tests/misbehaving/canned_answers.py). With
--fresh-inputs (CI's verified grade) every seeded test also runs as a [fresh] twin on inputs drawn at
grade time, with the expected values computed by the reference in the judge: the table fails there."""

import base64
import json
import pickle
from pathlib import Path

import pytest
import yaml

from conftest import REPO, grade_json, run_graders
from graders import ci

pytestmark = pytest.mark.timeout(600)
MISBEHAVING = REPO / "tests" / "misbehaving"
CANNED_KATAS = ("softmax", "attention")


def record_answers(kata, tmp_path):
    """Grade the reference through canned_answers.py's recording step (unsandboxed: it writes a log)
    -> {name: {input hash: answer}}."""
    log = tmp_path / "answers.log"
    recorder = tmp_path / f"records_{kata}.py"
    recorder.write_text((MISBEHAVING / "canned_answers.py").read_text()
                        .replace("@REFERENCE@", str(REPO / "graders" / "keys" / kata / "reference.py"))
                        .replace("@LOG@", str(log)))
    out = tmp_path / "recorded.json"
    proc = run_graders("grade", kata, "--solution", recorder, "--json", out, "--sandbox", "off")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = {}
    with open(log, "rb") as f:
        while True:
            try:
                key, name, answer = pickle.load(f)
            except EOFError:
                return table
            table.setdefault(name, {})[key] = answer


@pytest.fixture(scope="module", params=CANNED_KATAS)
def canned(request, tmp_path_factory):
    """(kata, canned_<kata>.py): a solution made of nothing but the reference's recorded answers."""
    kata = request.param
    tmp_path = tmp_path_factory.mktemp(f"canned-{kata}")
    table = base64.b64encode(pickle.dumps(record_answers(kata, tmp_path))).decode()
    path = tmp_path / f"canned_{kata}.py"
    path.write_text((MISBEHAVING / "canned_answers.py").read_text().replace('TABLE = ""', f"TABLE = {table!r}", 1))
    return kata, path


def test_canned_answers_pass_the_fixed_seeds(canned, tmp_path):
    """The hole, as it stays for a plain grade: every fixed-seed input is in the table."""
    kata, path = canned
    result, _ = grade_json(kata, path, REPO, tmp_path)
    assert result["status"] == "passed", [t for t in result["tests"] if t["status"] != "passed"]
    assert not any("[fresh" in t["name"] or t["name"].endswith("-fresh]") for t in result["tests"])


def fresh_grade(kata, solution, seed, tmp_path):
    """Grade with --fresh-inputs=SEED -> (JSON result, CompletedProcess)."""
    out = tmp_path / f"{kata}-{Path(solution).stem}-{seed}-{len(list(tmp_path.iterdir()))}.json"
    proc = run_graders("grade", kata, "--solution", solution, "--json", out, f"--fresh-inputs={seed}")
    assert out.is_file(), proc.stdout + proc.stderr
    return json.loads(out.read_text()), proc


def is_fresh(name):
    return name.endswith("[fresh]") or name.endswith("-fresh]")


def test_canned_answers_fail_on_fresh_inputs_and_a_seed_replays_them(canned, tmp_path):
    kata, path = canned
    result, proc = fresh_grade(kata, path, 20261207, tmp_path)
    assert proc.returncode == 1 and result["status"] == "failed", proc.stdout + proc.stderr
    fresh = [t for t in result["tests"] if is_fresh(t["name"])]
    assert fresh and all(t["status"] == "passed" for t in result["tests"] if not is_fresh(t["name"]))
    failed = [t for t in fresh if t["status"] != "passed"]
    assert len(failed) >= len(fresh) // 2, [t["name"] for t in fresh if t["status"] == "passed"]
    assert all(t["message"].endswith("replay them with --fresh-inputs=20261207)") for t in failed)
    assert "seed 20261207" in proc.stdout
    messages = lambda r: {t["name"]: t["message"] for t in r["tests"] if is_fresh(t["name"])}  # noqa: E731
    replayed, _ = fresh_grade(kata, path, 20261207, tmp_path)
    other, _ = fresh_grade(kata, path, 20261208, tmp_path)
    assert messages(replayed) == messages(result)
    assert messages(other) != messages(result)  # other inputs, other numbers


@pytest.mark.parametrize("kata", CANNED_KATAS)
def test_the_reference_passes_fresh_inputs_with_fixed_cases_kept(kata, tmp_path):
    reference = REPO / "graders" / "keys" / kata / "reference.py"
    plain, _ = grade_json(kata, reference, REPO, tmp_path)
    for seed in (1, 2**32 - 1):
        result, proc = fresh_grade(kata, reference, seed, tmp_path)
        assert result["status"] == "passed", proc.stdout
        names = [t["name"] for t in result["tests"]]
        assert [n for n in names if not is_fresh(n)] == [t["name"] for t in plain["tests"]]
        assert len(names) > len(plain["tests"])


def test_the_verified_workflow_grades_on_fresh_inputs():
    (job,) = yaml.safe_load((REPO / ".github" / "workflows" / "verify.yml").read_text())["jobs"].values()
    (graded,) = [s["run"] for s in job["steps"] if "ci.py grade" in s.get("run", "")]
    assert "--fresh-inputs" in graded.split()
    assert ci.grade_commands("python", "R", None, "require", fresh_inputs=True)[0][-1] == "--fresh-inputs"
    assert "--fresh-inputs" in ci.grade_commands("nox", "R", None, "require", fresh_inputs=True)[0]


KEEP_THEIR_SEEDS = {"tiny_transformer"}  # training runs calibrated on their seeds (and twice as slow twinned)


def test_every_kata_draws_random_inputs_through_the_seed_fixture():
    """Each kata but KEEP_THEIR_SEEDS has seeded tests; a test that takes `seed` uses it (calls it or
    passes it on) and never rebinds the name (a loop `for seed in ...` would shadow the fixture)."""
    import ast

    for path in sorted(REPO.glob("katas/*/test_*.py")):
        tests = [n for n in ast.parse(path.read_text()).body if isinstance(n, ast.FunctionDef)
                 and n.name.startswith("test_")]
        seeded = [t for t in tests if "seed" in [a.arg for a in t.args.args]]
        assert seeded or path.parent.name in KEEP_THEIR_SEEDS, f"{path}: no test draws through the seed fixture"
        for test in seeded:
            names = [n for n in ast.walk(test) if isinstance(n, ast.Name) and n.id == "seed"]
            used = any(isinstance(n.ctx, ast.Load) for n in names)
            rebound = any(isinstance(n.ctx, ast.Store) for n in names)
            assert used and not rebound, f"{path.name}::{test.name} takes `seed` but does not use it, or rebinds it"
