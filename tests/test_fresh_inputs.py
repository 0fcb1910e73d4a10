"""Fresh inputs (issue 16, class 9): the hidden tests' fixed seeds make every input known in advance,
so a table of the reference's answers passes them (tests/misbehaving/canned_answers.py). With
--fresh-inputs (CI's verified grade) every seeded test also runs as a [fresh] twin on inputs drawn at
grade time, with the expected values computed by the reference in the judge: the table fails there."""

import base64
import pickle

import pytest

from conftest import REPO, grade_json, run_graders

pytestmark = pytest.mark.timeout(600)
MISBEHAVING = REPO / "tests" / "misbehaving"
CANNED_KATAS = ("softmax", "attention")


def record_answers(kata, tmp_path):
    """Grade the reference through records_answers.py (unsandboxed: it writes a log) -> {name: {hash: answer}}."""
    log = tmp_path / "answers.log"
    recorder = tmp_path / f"records_{kata}.py"
    recorder.write_text((MISBEHAVING / "records_answers.py").read_text()
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
    path.write_text((MISBEHAVING / "canned_answers.py").read_text().replace('TABLE = ""', f"TABLE = {table!r}"))
    return kata, path


def test_canned_answers_pass_the_fixed_seeds(canned, tmp_path):
    """The hole, as it stays for a plain grade: every fixed-seed input is in the table."""
    kata, path = canned
    result, _ = grade_json(kata, path, REPO, tmp_path)
    assert result["status"] == "passed", [t for t in result["tests"] if t["status"] != "passed"]
    assert not any("[fresh" in t["name"] or t["name"].endswith("-fresh]") for t in result["tests"])


def test_canned_answers_fail_on_fresh_inputs(canned, tmp_path):
    kata, path = canned
    out = tmp_path / "fresh.json"
    proc = run_graders("grade", kata, "--solution", path, "--json", out, "--fresh-inputs=20261207")
    result = __import__("json").loads(out.read_text())
    assert proc.returncode == 1 and result["status"] == "failed", proc.stdout + proc.stderr
    fresh = [t for t in result["tests"] if t["name"].endswith("[fresh]") or t["name"].endswith("-fresh]")]
    fixed = [t for t in result["tests"] if t not in fresh]
    assert fresh and all(t["status"] == "passed" for t in fixed)
    failed = [t for t in fresh if t["status"] != "passed"]
    assert len(failed) >= len(fresh) // 2, [t["name"] for t in fresh if t["status"] == "passed"]
    assert all(t["message"].endswith("replay them with --fresh-inputs=20261207)") for t in failed)
    assert "seed 20261207" in proc.stdout


@pytest.mark.parametrize("kata", CANNED_KATAS)
def test_the_reference_passes_fresh_inputs_and_a_seed_replays_them(kata, tmp_path):
    reference = REPO / "graders" / "keys" / kata / "reference.py"
    runs = []
    for seed in ("7", "7", "8"):
        out = tmp_path / f"{seed}-{len(runs)}.json"
        proc = run_graders("grade", kata, "--solution", reference, "--json", out, f"--fresh-inputs={seed}")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        runs.append(__import__("json").loads(out.read_text()))
    names = [t["name"] for t in runs[0]["tests"]]
    plain, _ = grade_json(kata, reference, REPO, tmp_path)
    assert [n for n in names if "fresh" not in n] == [t["name"] for t in plain["tests"]]
    assert len(names) > len(plain["tests"])
