"""`review`: the rubric request, and each path through a reviewer command, with fake reviewer
scripts (tests/reviewers/): a good verdict, prose, a wrong schema, a failure, a hang, an echo of the
request, the template quoted; nothing to review (no file, the starter) calls no reviewer. Every rubric
of a ready kata loads and has 4 to 6 items."""

import json
import os
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, run_graders
from graders.manifest import load_manifest
from graders.repo import Paths, ready_katas
from graders.review import REPEATED, ReviewError, answer_template, load_rubric, parse_verdict
from test_engine import MISBEHAVING

REVIEWERS = Path(__file__).resolve().parent / "reviewers"
T_OLD = 1_700_000_000  # an older file's mtime


@pytest.fixture
def attempt(probe_root):
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "probe.py").write_text((MISBEHAVING / "correct.py").read_text())
    return probe_root


def review(root, reviewer=None, *args, timeout="10", command=None, env=()):
    """`review probe` with the fake reviewer script `reviewer` (or the shell `command`) as KATA_REVIEWER."""
    command = command or (f"{sys.executable} {REVIEWERS / reviewer}" if reviewer else "")
    return run_graders("review", "probe", *args, root=root,
                       env={"KATA_REVIEWER": command, "KATA_REVIEWER_TIMEOUT": timeout, **dict(env)})


def test_a_good_verdict_is_printed_as_a_table(attempt, tmp_path):
    proc = review(attempt, "good.py", "--markdown", tmp_path / "review.md")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Clear code" in proc.stdout and "4/4" in proc.stdout and "total 13/16: A tidy solution." in proc.stdout
    assert "advisory" in proc.stdout
    assert "| API hygiene | 2/4 | api is fine. |" in (tmp_path / "review.md").read_text()


@pytest.mark.parametrize("reviewer, words", [
    ("malformed.py", "contains no JSON object"),
    ("wrong_schema.py", "the score of 'clarity' is 7"),
    ("fails.py", "failed with exit code 3: error: OPENAI_API_KEY is not set"),
])
def test_a_bad_reviewer_gives_one_clear_message_and_no_scores(attempt, reviewer, words):
    proc = review(attempt, reviewer)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "No review: " in proc.stdout and words in proc.stdout and "Nothing was scored" in proc.stdout
    assert "/4" not in proc.stdout


@pytest.mark.parametrize("reviewer, command", [(None, "cat"), ("quotes_template.py", None)])
def test_a_reviewer_that_repeats_the_request_scores_nothing(attempt, reviewer, command):
    """`cat` echoes the request, whose JSON template has every score at the maximum: not a verdict."""
    proc = review(attempt, reviewer, command=command)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "No review: the reviewer repeated the request" in proc.stdout and "Nothing was scored" in proc.stdout
    assert "/4" not in proc.stdout and "total" not in proc.stdout


def test_a_verdict_after_the_quoted_template_is_the_one_scored(attempt):
    proc = review(attempt, "quotes_template_then_answers.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "total 12/16: Solid." in proc.stdout


def test_the_template_is_never_a_verdict():
    rubric = load_rubric(REPO / "tests" / "engine_kata" / "katas" / "probe" / "rubric.yaml")
    template = answer_template(rubric)
    with pytest.raises(ReviewError, match=REPEATED[:30]):
        parse_verdict(json.dumps(template), rubric)
    one_left = {"items": [{**item, "comment": "fine"} for item in template["items"]], "overall": "One sentence."}
    with pytest.raises(ReviewError, match=REPEATED[:30]):   # any placeholder left: the template, half filled in
        parse_verdict(json.dumps(one_left), rubric)
    with pytest.raises(ReviewError, match=REPEATED[:30]):   # the request echoed, whatever JSON it holds
        parse_verdict("You are an interviewer\n" + json.dumps({**one_left, "overall": "ok"}), rubric,
                      "You are an interviewer\n...")
    assert parse_verdict(json.dumps({**one_left, "overall": "ok"}), rubric).total() == 16


@pytest.mark.parametrize("solution, words", [
    (None, "solutions/probe.py does not exist: start the kata first (nox -s start -- probe)"),
    ("starter", "solutions/probe.py is still the starter: write your solution first (the problem: "
                "katas/probe/prompt.md), then nox -s review -- probe"),
    ("starter with a comment", "solutions/probe.py has no function written yet (each still raises "
                               "NotImplementedError): write your solution first, then nox -s review -- probe"),
])
def test_nothing_to_review_says_what_to_do_and_calls_no_reviewer(probe_root, tmp_path, solution, words):
    if solution:
        starter = (probe_root / "katas" / "probe" / "starter.py").read_text()
        (probe_root / "solutions").mkdir()
        (probe_root / "solutions" / "probe.py").write_text(starter + ("# thinking...\n" if "comment" in solution else ""))
    called = tmp_path / "called"
    proc = review(probe_root, "records_call.py", env={"REVIEWER_CALLED": str(called)})
    assert proc.returncode == 1 and proc.stderr == ""
    assert proc.stdout.strip() == words
    assert not called.exists(), "the reviewer was run"


def test_a_hanging_reviewer_is_stopped(attempt):
    started = time.monotonic()
    proc = review(attempt, "hangs.py", timeout="2")
    assert proc.returncode == 1 and "gave no answer within 2 s" in proc.stdout
    assert time.monotonic() - started < 20


def test_without_a_reviewer_the_request_is_printed_with_how_to_configure_one(attempt):
    proc = review(attempt)
    assert proc.returncode == 0
    assert "## Rubric" in proc.stdout and "def check_positive" in proc.stdout and "passed: 5/5 hidden tests" in proc.stdout
    assert "No reviewer is configured" in proc.stdout and "KATA_REVIEWER" in proc.stdout
    printed = review(attempt, "good.py", "--print-request")
    assert printed.returncode == 0 and "## Your answer" in printed.stdout and "No reviewer" not in printed.stdout


def test_the_request_carries_the_latest_follow_up_answers(attempt):
    assert "follow-up questions" not in review(attempt, None, "--print-request").stdout  # none given yet
    folder = attempt / "solutions" / ".interview"
    folder.mkdir()
    older, latest = folder / "probe-20260101-100000.md", folder / "probe-20260102-100000.md"
    older.write_text("# Engine probe (probe): follow-up answers\n\n## 1. What does echo return for a list?\n\nOld answer.\n")
    latest.write_text("# Engine probe (probe): follow-up answers\n\n## 2. Which error does check_positive raise for 0?\n\n"
                      "ValueError, with the number in the message.\n")
    os.utime(older, (T_OLD, T_OLD))
    request = review(attempt, None, "--print-request").stdout
    answers = request.split("## The candidate's answers to the follow-up questions")[1].split("## Your answer")[0]
    assert "### 2. Which error does check_positive raise for 0?\n\nValueError, with the number in the message." in answers
    assert "Old answer" not in request and "# Engine probe (probe)" not in answers


def test_the_verdict_schema_is_strict():
    rubric = load_rubric(REPO / "tests" / "engine_kata" / "katas" / "probe" / "rubric.yaml")
    good = '{"items": [%s], "overall": "ok"}' % ", ".join(
        f'{{"id": "{i}", "score": 2, "comment": "fine"}}' for i in ("clarity", "errors", "dtypes", "api"))
    assert parse_verdict(good, rubric).total() == 8
    for bad in (good.replace('"score": 2', '"score": 2.5', 1), good.replace('"score": 2', '"score": true', 1),
                good.replace('"clarity"', '"charisma"'), good.replace('"overall": "ok"', '"overall": ""'),
                good.replace('"overall": "ok"', '"overall": "ok", "extra": 1'), "[]"):
        with pytest.raises(ReviewError):
            parse_verdict(bad, rubric)


@pytest.mark.parametrize("kata", ready_katas(load_manifest(REPO / "kata.yaml"), Paths(REPO)))
def test_every_ready_kata_has_a_rubric_and_hints(kata):
    items = load_rubric(REPO / "katas" / kata / "rubric.yaml")
    assert 4 <= len(items) <= 6
    from graders.practice import read_hints

    hints = read_hints(REPO / "katas" / kata / "hints.md")
    assert 3 <= len(hints) <= 4 and all(title and text for title, text in hints)
