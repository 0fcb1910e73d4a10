"""The commenter of .github/workflows/scoreboard.yml against a fake GitHub API: it finds the PR by
head SHA, takes the changed files from the API (not the artifact), and keeps ONE marked comment."""

import io
import json
import urllib.request

import pytest

from conftest import ENGINE_KATA, REPO
from graders import ci
from graders.scoreboard import MARKER

HEAD, OTHER, BASE = "a" * 40, "c" * 40, "b" * 40


class FakeGitHub(ci.GitHubApi):
    """Open pulls, their files and their comments, in memory; pages of `page` items."""

    def __init__(self, pulls, files=None, comments=None, page=2):
        super().__init__("learner/kata-gym", "token", "https://api.github.test")
        self.pulls, self.files, self.comments, self.page = pulls, files or {}, comments or {}, page
        self.writes = []

    def call(self, method, path, body=None):
        if method != "GET":
            self.writes.append((method, path, body))
            if method == "POST":
                number = int(path.split("/")[1])
                self.comments.setdefault(number, []).append(
                    {"id": 1000 + len(self.writes), "user": {"login": ci.BOT_LOGIN}, "body": body["body"]})
            else:
                comment_id = int(path.rsplit("/", 1)[1])
                for comment in (c for cs in self.comments.values() for c in cs if c["id"] == comment_id):
                    comment["body"] = body["body"]
            return {}, None
        path, _, query = path.partition("?")
        start = int(dict(p.split("=") for p in query.split("&") if p).get("start", 0))
        if path == "pulls":
            items = self.pulls
        elif path.endswith("/files"):
            items = [{"filename": f} for f in self.files.get(int(path.split("/")[1]), [])]
        else:
            items = self.comments.get(int(path.split("/")[1]), [])
        following = f"{path}?start={start + self.page}" if start + self.page < len(items) else None
        return items[start:start + self.page], following


def pull(number, head=HEAD):
    return {"number": number, "head": {"sha": head}, "base": {"sha": BASE}}


def artifact(tmp_path, head=HEAD, pr=7, touched=(), test_a="test_softmax_rows_match_reference_and_sum_to_one"):
    folder = tmp_path / "grade-results"
    folder.mkdir(parents=True)
    (folder / "softmax.json").write_text(json.dumps({
        "kata": "softmax", "status": "failed", "passed": 1, "total": 2, "duration_s": 0.5, "message": "", "sandbox": True,
        "sandbox_note": "",
        "tests": [{"name": test_a, "category": "correctness", "status": "passed", "message": "", "duration_s": 0.1},
                  {"name": "test_log_softmax_matches_reference", "category": "masking", "status": "failed",
                   "message": "no", "duration_s": 0.1}]}))
    (folder / "run-context.json").write_text(json.dumps(
        {"event": "pull_request", "pr": pr, "head_sha": head, "base_sha": BASE, "touched": list(touched)}))
    return folder


def bodies(api, number):
    return [c["body"] for c in api.comments.get(number, [])]


def test_first_run_creates_the_comment_and_later_runs_update_it(tmp_path):
    api = FakeGitHub([pull(3, OTHER), pull(5, OTHER), pull(7), pull(9, OTHER)])
    results = artifact(tmp_path)
    assert ci.comment(results, HEAD, api, REPO) == 0
    assert [m for m, _, _ in api.writes] == ["POST"] and api.writes[0][1] == "issues/7/comments"
    assert ci.comment(results, HEAD, api, REPO) == 0
    assert [m for m, _, _ in api.writes] == ["POST", "PATCH"]
    (body,) = bodies(api, 7)
    assert body.startswith(MARKER) and "❌ failed | 1/2" in body


def test_the_first_line_says_verified_or_self_reported(tmp_path):
    api = FakeGitHub([pull(7)])
    ci.comment(artifact(tmp_path), HEAD, api, REPO)
    (body,) = bodies(api, 7)
    assert body.splitlines()[1].startswith("**Self-reported**")
    ci.comment(artifact(tmp_path / "v"), HEAD, api, REPO, verified=True)
    (body,) = bodies(api, 7)
    assert body.splitlines()[1] == f"<!-- verified {HEAD} -->" and body.splitlines()[2].startswith("**✔️ Verified**")


def test_a_self_reported_grade_never_replaces_a_verified_one(tmp_path, capsys):
    api = FakeGitHub([pull(7)])
    ci.comment(artifact(tmp_path), HEAD, api, REPO, verified=True)
    ci.comment(artifact(tmp_path / "s"), HEAD, api, REPO, verified=False)
    (body,) = bodies(api, 7)
    assert "**✔️ Verified**" in body and "comment kept" in capsys.readouterr().out
    assert [m for m, _, _ in api.writes] == ["POST"]


def test_results_for_tests_that_do_not_exist_are_rejected(tmp_path):
    api = FakeGitHub([pull(7)])
    ci.comment(artifact(tmp_path, test_a="test_that_always_passes"), HEAD, api, REPO, verified=True)
    (body,) = bodies(api, 7)
    assert "a test that the hidden tests at the base commit do not have" in body and "❌ failed | 1/2" not in body


def test_a_humans_comment_with_the_marker_is_never_edited(tmp_path):
    forged = {"id": 5, "user": {"login": "mallory"}, "body": MARKER + " ha"}
    quoted = {"id": 6, "user": {"login": ci.BOT_LOGIN}, "body": "something else " + MARKER}
    api = FakeGitHub([pull(7)], comments={7: [forged, quoted]})
    ci.comment(artifact(tmp_path), HEAD, api, REPO)
    assert [(m, p) for m, p, _ in api.writes] == [("POST", "issues/7/comments")]
    assert forged["body"] == MARKER + " ha" and quoted["body"] == "something else " + MARKER


def test_touched_files_come_from_the_api_not_the_artifact(tmp_path):
    """The artifact of a PR run is the PR's to forge: it says nothing was touched; the API knows better."""
    files = {7: ["solutions/softmax.py", "katas/softmax/test_softmax.py", ".github/workflows/grade.yml"]}
    api = FakeGitHub([pull(7)], files=files)
    ci.comment(artifact(tmp_path, touched=[]), HEAD, api, REPO)
    (body,) = bodies(api, 7)
    assert "changes 2 files outside `solutions/`: `.github/workflows/grade.yml`, `katas/softmax/test_softmax.py`" in body
    assert "self-reported" in body and f"(`{BASE[:7]}`)" in body


def test_an_artifact_for_another_commit_posts_nothing(tmp_path):
    api = FakeGitHub([pull(7)])
    with pytest.raises(ci.CiError, match="not for this run's head commit"):
        ci.comment(artifact(tmp_path, head=OTHER), HEAD, api, REPO)
    assert api.writes == []


def test_an_artifact_naming_another_pr_posts_nothing(tmp_path, capsys):
    api = FakeGitHub([pull(7), pull(8)])
    assert ci.comment(artifact(tmp_path, pr=8000), HEAD, api, REPO) == 0
    assert api.writes == [] and "nothing to post" in capsys.readouterr().out


def test_no_open_pr_for_the_head_posts_nothing(tmp_path, capsys):
    api = FakeGitHub([pull(7, OTHER)])
    assert ci.comment(artifact(tmp_path), HEAD, api, REPO) == 0
    assert api.writes == []


def test_a_missing_or_invalid_artifact_posts_nothing(tmp_path):
    api = FakeGitHub([pull(7)])
    with pytest.raises(ci.CiError, match="not a folder of results"):
        ci.comment(tmp_path / "absent", HEAD, api, REPO)
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "run-context.json").write_text('{"event": "pull_request", "pr": "7; rm -rf /"}')
    with pytest.raises(ci.CiError):
        ci.comment(folder, HEAD, api, REPO)
    with pytest.raises(ci.CiError, match="not a commit SHA"):
        ci.comment(artifact(tmp_path), "$(whoami)", api, REPO)
    assert api.writes == []


class FakeResponse(io.BytesIO):
    def __init__(self, payload, link):
        super().__init__(json.dumps(payload).encode())
        self.headers = {"Link": link}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_the_api_client_follows_next_pages_only_on_its_own_host(monkeypatch):
    seen = []

    def urlopen(request, timeout):
        seen.append((request.full_url, request.get_header("Authorization")))
        if len(seen) == 1:
            return FakeResponse([1, 2], '<https://api.github.com/repositories/1/pulls?page=2>; rel="next"')
        return FakeResponse([3], '<https://evil.example/steal?page=3>; rel="next"')

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    api = ci.GitHubApi("learner/kata-gym", "s3cret")
    assert list(api.pages("pulls?state=open")) == [1, 2, 3]
    assert [url for url, _ in seen] == ["https://api.github.com/repos/learner/kata-gym/pulls?state=open&per_page=100",
                                        "https://api.github.com/repositories/1/pulls?page=2"]
    assert all(token == "Bearer s3cret" for _, token in seen)


def test_repository_names_are_checked():
    with pytest.raises(ci.CiError):
        ci.GitHubApi("../../orgs/x", "t")


def test_head_names_the_commit_of_the_results(tmp_path, capsys):
    assert ci.main(["head", "--results", str(artifact(tmp_path))]) == 0
    assert capsys.readouterr().out.strip() == HEAD
    (tmp_path / "grade-results" / "run-context.json").write_text('{"event": "pull_request"}')
    assert ci.main(["head", "--results", str(tmp_path / "grade-results")]) == 2


# -- issue 16, class 10: the verified path end to end (verify.yml's grade, then scoreboard.yml's comment) --

def verified_run(tmp_path, kata, source_root, solution_text, break_the_judge=False):
    """What verify.yml runs on a pull request that adds solutions/<kata>.py: `take` the PR's solutions as
    blobs onto the base checkout, `grade --fresh-inputs`; then what scoreboard.yml runs: `comment
    --verified`. -> (ci.py grade's CompletedProcess, the job summary, the PR comment's body)."""
    from test_ci_restore import base_repo, commit_all, git, run_ci

    repo, base = base_repo(tmp_path, kata, source_root)
    (repo / "solutions" / f"{kata}.py").write_text(solution_text)
    head = commit_all(repo, "PR: my solution")
    git(repo, "-c", "advice.detachedHead=false", "checkout", "-q", base)
    if break_the_judge:  # the judge process dies while it collects the hidden tests: no result is written
        tests = repo / "katas" / kata / f"test_{kata}.py"
        tests.write_text("import os\nos._exit(3)\n" + tests.read_text())
    assert run_ci(REPO / "graders" / "ci.py", "take", "--sha", head, cwd=repo).returncode == 0
    results, summary = tmp_path / "verified-results", tmp_path / "summary.md"
    graded = run_ci(REPO / "graders" / "ci.py", "grade", "--results", results, "--runner", "python", "--fresh-inputs",
                    "--event", "pull_request", "--head-sha", head, "--summary", summary, cwd=repo)
    api = FakeGitHub([pull(7, head)])
    assert ci.comment(results, head, api, repo, verified=True) == 0
    (body,) = bodies(api, 7)
    return graded, summary.read_text(), body


@pytest.mark.timeout(300)
def test_a_verified_pass_with_parametrized_and_fresh_tests_is_a_pass(tmp_path):
    """speculative's tests are parametrized (test_x[case]) and, graded on fresh inputs, have twins
    (test_x[fresh], test_x[case-fresh]): the names of the kata's own hidden tests, all valid."""
    reference = (REPO / "graders" / "keys" / "speculative" / "reference.py").read_text()
    graded, summary, body = verified_run(tmp_path, "speculative", REPO, reference)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "invalid result" not in body and "invalid result" not in summary
    result = json.loads((tmp_path / "verified-results" / "speculative.json").read_text())
    names = [t["name"] for t in result["tests"]]
    assert "test_first_token_follows_the_target[mismatched_draft-fresh]" in names
    assert "test_number_of_tokens_follows_the_acceptance_rule[fresh]" in names
    assert f"| speculative | ★★ | ✅ passed | {len(names)}/{len(names)} |" in body
    assert "**✔️ Verified**" in body


@pytest.mark.parametrize("name, valid", [
    ("test_softmax_rows_match_reference_and_sum_to_one[fresh]", True),
    ("test_softmax_rows_match_reference_and_sum_to_one[case-fresh]", True),
    ("test_softmax_rows_match_reference_and_sum_to_one[fresh", False),
    ("test_that_always_passes[fresh]", False),
    ("test_softmax_rows_match_reference[and_sum_to_one]", False)])
def test_case_and_fresh_names_of_a_hidden_test_are_valid_and_no_other(tmp_path, name, valid):
    api = FakeGitHub([pull(7)])
    ci.comment(artifact(tmp_path, test_a=name), HEAD, api, REPO, verified=True)
    (body,) = bodies(api, 7)
    assert ("❌ failed | 1/2" in body) == valid and ("invalid result" in body) != valid


@pytest.mark.timeout(300)
def test_a_grade_that_breaks_off_shows_an_error_not_not_attempted(tmp_path):
    correct = (ENGINE_KATA.parent / "misbehaving" / "correct.py").read_text()
    graded, summary, body = verified_run(tmp_path, "probe", ENGINE_KATA, correct, break_the_judge=True)
    assert graded.returncode == 2 and "the results are incomplete" in graded.stderr
    for text in (summary, body):
        assert "| probe | ★ | 💥 error | 0/0 |" in text, text
        assert "grading broke off (exit code 3)" in text
    assert "::error file=solutions/probe.py,title=probe%3A error::" in graded.stdout
