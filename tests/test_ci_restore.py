"""The trusted-grader restore of .github/workflows/grade.yml, run the way the workflow runs it:
graders/ci.py taken from the BASE commit with `git show`, then `restore` and `grade` in a
temporary git repository whose "pull request" commit rewrites the hidden tests to `assert True`
and ships a wrong solution. The grade must be `failed`."""

import ast
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ENGINE_KATA, REPO, run_graders

pytestmark = pytest.mark.timeout(600)

ALWAYS_TRUE = '''import pytest


@pytest.mark.category("correctness")
def test_anything(solution):
    assert True
'''

WRONG_SOFTMAX = '''import numpy as np


def softmax(x, axis=-1):
    return np.asarray(x) * 0 + 1


def log_softmax(x, axis=-1):
    return np.asarray(x) * 0


def cross_entropy(logits, labels, ignore_index=None):
    return 0.0


def cross_entropy_grad(logits, labels, ignore_index=None):
    return np.zeros_like(logits)
'''

WRONG_PROBE = (ENGINE_KATA.parent / "misbehaving" / "correct.py").read_text().replace("return a + b", "return a - b")


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def commit_all(repo, message):
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def base_repo(tmp_path, kata, source_root):
    """A git repository with one commit: the engine, noxfile, requirements, and one kata of `source_root`."""
    repo = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "graders", repo / "graders", ignore=ignore)
    shutil.copytree(REPO / "requirements", repo / "requirements")
    shutil.copytree(source_root / "katas" / kata, repo / "katas" / kata, ignore=ignore)
    for name in ("noxfile.py", "pyproject.toml"):
        shutil.copy2(REPO / name, repo / name)
    shutil.copy2(source_root / "kata.yaml", repo / "kata.yaml")
    (repo / "solutions").mkdir()
    (repo / "solutions" / "README.md").write_text("Your solutions go here.\n")
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    return repo, commit_all(repo, "base")


def pull_request(repo, kata, wrong_solution):
    """The PR commit: every hidden test of `kata` rewritten to `assert True`, a wrong solution."""
    for test in (repo / "katas" / kata).glob("test_*.py"):
        test.write_text(ALWAYS_TRUE)
    (repo / "solutions" / f"{kata}.py").write_text(wrong_solution)
    return commit_all(repo, "PR: my solution (and easier tests)")


def run_ci(script, *args, cwd, env=None):
    """The base commit's ci.py as the workflow runs it: a file, from the repository's root."""
    return subprocess.run([sys.executable, str(script), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=500, env={**os.environ, **(env or {})})


def check_pr_grade_is_failed(tmp_path, kata, source_root, wrong_solution):
    repo, base = base_repo(tmp_path, kata, source_root)
    head = pull_request(repo, kata, wrong_solution)

    # Control: graded on the PR's own tree, the forged tests pass the wrong solution.
    forged, _ = _grade_json(repo, kata, tmp_path)
    assert forged["status"] == "passed", forged

    # What grade.yml runs: the base commit's ci.py, restore, then grade.
    script = tmp_path / "ci.py"
    script.write_text(git(repo, "show", f"{base}:graders/ci.py") + "\n")
    restored = run_ci(script, "restore", "--base", base, "--out", tmp_path / "restore.json", cwd=repo)
    assert restored.returncode == 0, restored.stderr
    record = json.loads((tmp_path / "restore.json").read_text())
    assert record["base_sha"] == base and record["head_sha"] == head
    assert record["touched"] == sorted(str(p.relative_to(repo)) for p in (repo / "katas" / kata).glob("test_*.py"))

    results, summary = tmp_path / "results", tmp_path / "summary.md"
    graded = run_ci(script, "grade", "--results", results, "--restored", tmp_path / "restore.json", "--runner", "python",
                    "--event", "pull_request", "--pr", "7", "--head-sha", head, "--summary", summary, cwd=repo,
                    env={"GITHUB_ACTIONS": "true"})
    assert graded.returncode == 1, graded.stdout + graded.stderr
    result = json.loads((results / f"{kata}.json").read_text())
    assert result["status"] == "failed" and result["passed"] < result["total"], result
    context = json.loads((results / "run-context.json").read_text())
    assert context == {"event": "pull_request", "pr": 7, "head_sha": head, "base_sha": base, "touched": record["touched"]}

    markdown = summary.read_text()
    assert f"❌ failed | {result['passed']}/{result['total']}" in markdown
    touched = f"{len(record['touched'])} file" + ("s" if len(record["touched"]) > 1 else "")
    assert f"This pull request changes {touched} outside `solutions/`: `katas/{kata}/" in markdown
    assert f"::error file=solutions/{kata}.py,title={kata}%3A failed::" in graded.stdout
    # What a solution or a test prints while grading cannot issue workflow commands.
    start = graded.stdout.index("::stop-commands::")
    token = graded.stdout[start:].splitlines()[0].removeprefix("::stop-commands::")
    assert graded.stdout.index(f"::{token}::") < graded.stdout.index("::error file=")
    return result


def _grade_json(repo, kata, tmp_path):
    out = tmp_path / "forged.json"
    proc = run_graders("grade", kata, "--json", out, root=repo)
    assert out.is_file(), proc.stdout + proc.stderr
    return json.loads(out.read_text()), proc


@pytest.mark.skipif(not (REPO / "katas" / "softmax").is_dir(), reason="katas/softmax is not in the repository yet")
def test_pr_that_rewrites_hidden_tests_is_graded_by_the_base_tests_softmax(tmp_path):
    check_pr_grade_is_failed(tmp_path, "softmax", REPO, WRONG_SOFTMAX)


def test_pr_that_rewrites_hidden_tests_is_graded_by_the_base_tests_probe(tmp_path):
    """The same on the engine's probe kata, which is always there."""
    result = check_pr_grade_is_failed(tmp_path, "probe", ENGINE_KATA, WRONG_PROBE)
    assert [t["name"] for t in result["tests"] if t["status"] == "failed"] == ["test_add", "test_add_arrays"]


def test_restore_keeps_only_the_prs_solutions(tmp_path):
    """Everything outside solutions/ becomes the base's: added files (a root conftest.py that pytest
    would load, a pytest.ini, a kata conftest) are removed, changed ones reverted, deleted ones back;
    solutions/ is the PR's, minus symlinks."""
    repo = tmp_path / "repo"
    (repo / "katas" / "k").mkdir(parents=True)
    (repo / "katas" / "k" / "test_k.py").write_text("real tests\n")
    (repo / "kata.yaml").write_text("base manifest\n")
    (repo / "graders").mkdir()
    (repo / "graders" / "grade.py").write_text("base grader\n")
    (repo / "solutions").mkdir()
    (repo / "solutions" / "README.md").write_text("readme\n")
    (repo / "solutions" / "old.py").write_text("removed by the PR\n")
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    base = commit_all(repo, "base")
    (repo / "katas" / "k" / "test_k.py").write_text("assert True\n")
    (repo / "katas" / "k" / "conftest.py").write_text("hook\n")
    (repo / "conftest.py").write_text("hook\n")
    (repo / "pytest.ini").write_text("[pytest]\n")
    (repo / "graders" / "grade.py").unlink()
    (repo / "kata.yaml").write_text("forged manifest\n")
    (repo / "solutions" / "old.py").unlink()
    (repo / "solutions" / "k.py").write_text("my solution\n")
    (repo / "solutions" / "deep").mkdir()
    (repo / "solutions" / "deep" / "helper.py").write_text("helper\n")
    (repo / "solutions" / "ref.py").symlink_to("../graders/grade.py")
    commit_all(repo, "PR")

    proc = run_ci(REPO / "graders" / "ci.py", "restore", "--base", base, "--out", tmp_path / "r.json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    record = json.loads((tmp_path / "r.json").read_text())
    assert record["touched"] == ["conftest.py", "graders/grade.py", "kata.yaml", "katas/k/conftest.py",
                                 "katas/k/test_k.py", "pytest.ini"]
    assert record["dropped"] == ["solutions/ref.py"] and "solutions/ref.py" in proc.stdout
    files = sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if ".git" not in p.parts and not p.is_dir())
    assert files == ["graders/grade.py", "kata.yaml", "katas/k/test_k.py", "solutions/README.md",
                     "solutions/deep/helper.py", "solutions/k.py"]
    assert (repo / "katas" / "k" / "test_k.py").read_text() == "real tests\n"
    assert (repo / "kata.yaml").read_text() == "base manifest\n"
    assert (repo / "solutions" / "k.py").read_text() == "my solution\n"


def test_a_solutions_symlink_is_dropped(tmp_path):
    """solutions -> graders/references would grade the references as the PR's solutions."""
    repo = tmp_path / "repo"
    (repo / "graders" / "references").mkdir(parents=True)
    (repo / "graders" / "references" / "k.py").write_text("the reference\n")
    (repo / "solutions").mkdir()
    (repo / "solutions" / "README.md").write_text("readme\n")
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    base = commit_all(repo, "base")
    git(repo, "rm", "-rq", "solutions")
    (repo / "solutions").symlink_to("graders/references")
    commit_all(repo, "PR")
    proc = run_ci(REPO / "graders" / "ci.py", "restore", "--base", base, "--out", tmp_path / "r.json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "r.json").read_text())["dropped"] == ["solutions"]
    assert not (repo / "solutions").exists() and (repo / "graders" / "references" / "k.py").is_file()


def test_restore_without_a_base_changes_nothing(tmp_path):
    out = tmp_path / "r.json"
    proc = run_ci(REPO / "graders" / "ci.py", "restore", "--base", "", "--out", out, cwd=tmp_path)
    assert proc.returncode == 0 and "nothing to restore" in proc.stdout
    assert json.loads(out.read_text()) == {"base_sha": None, "touched": [], "dropped": []}


def test_restore_and_grade_need_only_the_standard_library():
    """They run before anything is installed (the runner's python3), from a file outside the package."""
    tree = ast.parse((REPO / "graders" / "ci.py").read_text())
    top_level = {alias.name.split(".")[0] for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    top_level |= {node.module.split(".")[0] for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
    assert top_level <= set(sys.stdlib_module_names), top_level - set(sys.stdlib_module_names)


def test_grading_that_breaks_fails_the_job_with_code_2(tmp_path):
    """A grader that cannot run (here: an unreadable kata.yaml) is not a pass, whatever the scoreboard says."""
    repo, _ = base_repo(tmp_path, "probe", ENGINE_KATA)
    (repo / "kata.yaml").write_text("katas: [")
    proc = run_ci(REPO / "graders" / "ci.py", "grade", "--results", tmp_path / "results", "--runner", "python", cwd=repo)
    assert proc.returncode == 2 and "the results are incomplete" in proc.stderr


def test_verified_grading_takes_only_the_prs_solution_files_as_blobs(tmp_path):
    """verify.yml: the default branch stays checked out; `take` reads solutions/*.py of the PR head
    as blobs. Rewritten tests, a symlink to the grader, a subfolder and a huge file never arrive."""
    repo, base = base_repo(tmp_path, "probe", ENGINE_KATA)
    head = pull_request(repo, "probe", WRONG_PROBE)
    (repo / "solutions" / "ref.py").symlink_to("../graders/grade.py")
    (repo / "solutions" / "deep").mkdir()
    (repo / "solutions" / "deep" / "helper.py").write_text("x = 1\n")
    (repo / "solutions" / "huge.py").write_text("#" * (2 << 20))
    head = commit_all(repo, "PR: more")
    git(repo, "-c", "advice.detachedHead=false", "checkout", "-q", base)  # what the trusted job has checked out

    proc = run_ci(REPO / "graders" / "ci.py", "take", "--sha", head, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    files = sorted(str(p.relative_to(repo / "solutions")) for p in (repo / "solutions").rglob("*"))
    assert files == ["probe.py"], files
    assert "solutions/ref.py" in proc.stdout and "solutions/huge.py" in proc.stdout and "solutions/deep/helper.py" in proc.stdout
    assert not (repo / "solutions" / "probe.py").is_symlink()
    assert "assert True" not in (repo / "katas" / "probe" / "test_probe.py").read_text()  # the base's tests

    results = tmp_path / "results"
    graded = run_ci(REPO / "graders" / "ci.py", "grade", "--results", results, "--runner", "python", "--event",
                    "pull_request", "--head-sha", head, cwd=repo)
    assert graded.returncode == 1, graded.stdout + graded.stderr
    assert json.loads((results / "probe.json").read_text())["status"] == "failed"


def test_take_refuses_a_name_that_is_not_a_commit(tmp_path):
    proc = run_ci(REPO / "graders" / "ci.py", "take", "--sha", "main; rm -rf /", cwd=tmp_path)
    assert proc.returncode == 2 and "not a commit SHA" in proc.stderr


def test_ci_review_reviews_only_the_katas_that_passed_and_never_fails(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "probe.json").write_text(json.dumps({"kata": "probe", "status": "passed"}))
    (results / "other.json").write_text(json.dumps({"kata": "other", "status": "failed"}))
    summary = tmp_path / "summary.md"
    quiet = run_ci(REPO / "graders" / "ci.py", "review", "--results", results, "--runner", "python",
                   "--summary", summary, cwd=tmp_path, env={"KATA_REVIEWER": ""})
    assert quiet.returncode == 0 and "no KATA_REVIEWER" in quiet.stdout and not summary.exists()
    repo, _ = base_repo(tmp_path, "probe", ENGINE_KATA)
    (repo / "solutions" / "probe.py").write_text((ENGINE_KATA.parent / "misbehaving" / "correct.py").read_text())
    reviewer = f"{sys.executable} {REPO / 'tests' / 'reviewers' / 'good.py'}"
    proc = run_ci(REPO / "graders" / "ci.py", "review", "--results", results, "--runner", "python",
                  "--summary", summary, cwd=repo, env={"KATA_REVIEWER": reviewer})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = summary.read_text()
    assert text.startswith("\n## Interviewer review (advisory") and "### probe: 13/16" in text and "other" not in text
