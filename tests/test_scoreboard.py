"""The scoreboard: snapshot tests of every status, and the validation of untrusted results
(malformed, oversized, wrong types, unknown katas, markdown/HTML injection).

Update the snapshots after an intended change: UPDATE_SNAPSHOTS=1 python -m pytest tests/test_scoreboard.py"""

import json
import os
import re
from pathlib import Path

import pytest

from conftest import ENGINE_KATA, REPO, run_graders
from graders import ci, scoreboard
from graders.grade import KATA_STATUSES
from graders.manifest import load_manifest
from graders.scoreboard import (MARKER, MAX_FILE_BYTES, MAX_MARKDOWN_CHARS, load_board, render_markdown,
                                render_terminal)

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
KATAS = load_manifest(SNAPSHOTS / "kata.yaml")  # one kata per status, fixed so the snapshots are too
SHA_HEAD, SHA_BASE = "a" * 40, "b" * 40


def one_test(name, category="correctness", status="passed", message="", duration_s=0.01):
    return {"name": name, "category": category, "status": status, "message": message, "duration_s": duration_s}


def result(kata, status, tests, message="", duration_s=1.25):
    return {"kata": kata, "status": status, "passed": sum(t["status"] == "passed" for t in tests),
            "total": len(tests), "duration_s": duration_s, "message": message, "sandbox": True, "sandbox_note": "",
            "tests": tests}


EVERY_STATUS = {
    "attention": result("attention", "passed", [one_test("test_shapes", "shapes"), one_test("test_values")]),
    "softmax": result("softmax", "failed", [
        one_test("test_uniform"), one_test("test_large_logits", "numerical-stability", "failed", "got nan at [0, 3]\nmore"),
        one_test("test_masked_rows", "masking", "failed", "expected zeros"), one_test("test_masked_cols", "masking", "failed"),
        one_test("test_dtype", "dtype", "failed", "float64 out for float32 in"), one_test("test_grad")]),
    "kv_cache": result("kv_cache", "error", [one_test("test_append", status="error", message="not run: the solution did not import")],
                       message="importing the solution failed: ModuleNotFoundError: No module named 'scipy'"),
    "sampling": result("sampling", "timeout", [one_test("test_greedy"), one_test("test_top_p", "edge-case", "timeout", "timed out: 10 s")]),
    "kmeans": result("kmeans", "memory", [one_test("test_big", "memory", "memory", "ran out of memory")]),
    "norms": result("norms", "disallowed", [], message="solutions/norms.py:3: import of 'torch' is forbidden"),
    "bpe": result("bpe", "not_attempted", [one_test("test_train", status="not_attempted", message="not attempted")]),
    # rope: no result file at all; logreg: a rejected result (passed > total)
    "logreg": {**result("logreg", "passed", [one_test("test_fit")]), "passed": 2},
    # attention's levels: one passed, one failed (a level's file: kata.level.json)
    "attention.multi": result("attention:multi", "passed", [one_test("test_heads")]),
    "attention.cached": result("attention:cached", "failed", [one_test("test_step", status="failed", message="off by one")]),
}
CONTEXT = {"event": "pull_request", "pr": 12, "head_sha": SHA_HEAD, "base_sha": SHA_BASE,
           "touched": ["katas/softmax/test_softmax.py", ".github/workflows/grade.yml", "kata.yaml"]}


def write_results(folder, results, context=None):
    folder.mkdir(parents=True, exist_ok=True)
    for kata, data in results.items():
        (folder / f"{kata}.json").write_text(data if isinstance(data, str) else json.dumps(data))
    if context is not None:
        (folder / "run-context.json").write_text(json.dumps(context))
    return folder


def check_snapshot(name, text):
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed; if intended, rerun with UPDATE_SNAPSHOTS=1"


def without_code_spans(markdown):
    return re.sub(r"`[^`\n]*`", "", markdown)


# -- every status ------------------------------------------------------------------------------

def test_every_status_has_a_glyph_and_a_terminal_label():
    row_statuses = set(KATA_STATUSES) | {scoreboard.INVALID, scoreboard.COMING_SOON}
    assert set(scoreboard.GLYPHS) == row_statuses and set(scoreboard.TERMINAL_LABELS) == row_statuses
    assert all(set(r) == scoreboard.KATA_FIELDS for r in EVERY_STATUS.values())
    assert {r["status"] for r in EVERY_STATUS.values()} == set(KATA_STATUSES)


def test_markdown_snapshot_of_every_status(tmp_path):
    board = load_board(write_results(tmp_path / "r", EVERY_STATUS, CONTEXT), KATAS)
    markdown = render_markdown(board)
    check_snapshot("scoreboard.md", markdown)
    assert markdown.startswith(MARKER + "\n")
    assert [line.split("|")[1].strip() for line in markdown.splitlines() if line.startswith("| ")][2:] == list(KATAS)


def test_terminal_snapshot_of_every_status(tmp_path):
    board = load_board(write_results(tmp_path / "r", EVERY_STATUS, CONTEXT), KATAS)
    check_snapshot("scoreboard.txt", render_terminal(board) + "\n")


def test_json_and_totals(tmp_path):
    board = load_board(write_results(tmp_path / "r", EVERY_STATUS, CONTEXT), KATAS)
    data = scoreboard.to_json(board)
    assert data["totals"] == {"passed": 1, "katas": 9, "stars": 5, "stars_total": 34, "levels_passed": 1,
                              "levels": 2, "failing": 7, "graded": 9, "duration_s": 11.25}
    rows = {r["kata"]: r for r in data["katas"]}
    assert rows["softmax"]["failed_categories"] == ["numerical-stability", "masking", "dtype"]
    assert rows["rope"] == {"kata": "rope", "stars": 3, "status": "not_attempted", "graded": False, "passed": 0,
                            "total": 0, "duration_s": 0.0, "failed_categories": [], "problem": "", "levels_passed": 0,
                            "levels": 0}
    assert rows["attention"]["levels_passed"] == 1 and rows["attention"]["levels"] == 2
    assert [(r["kata"], r["status"]) for r in data["levels"]] == [("attention:multi", "passed"), ("attention:cached", "failed")]
    assert rows["logreg"]["status"] == "invalid" and "passed/total" in rows["logreg"]["problem"]
    assert data["context"]["pr"] == 12


def test_annotations_name_each_failed_solution_file(tmp_path):
    board = load_board(write_results(tmp_path / "r", EVERY_STATUS), KATAS)
    lines = scoreboard.annotations(board)
    assert [line.split(",")[0] for line in lines] == [
        f"::error file=solutions/{k}.py" for k in ("softmax", "kv_cache", "sampling", "kmeans", "norms", "logreg",
                                                       "attention.cached")]  # a fresh level's own file
    assert lines[0] == ("::error file=solutions/softmax.py,title=softmax%3A failed::softmax: failed - "
                        "2/6 tests passed (numerical-stability, masking, dtype)")
    assert all("\n" not in line for line in lines)


def test_a_real_grade_result_round_trips(tmp_path, probe_root):
    """The validator accepts exactly what `python -m graders grade --json` writes."""
    out = tmp_path / "results" / "probe.json"
    proc = run_graders("grade", "probe", "--solution", ENGINE_KATA.parent / "misbehaving" / "correct.py",
                       "--json", out, root=probe_root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    katas = load_manifest(ENGINE_KATA / "kata.yaml")
    (row,) = load_board(out.parent, katas).rows
    assert (row.status, row.passed, row.total, row.problem) == ("passed", 5, 5, "")


def test_the_real_manifest_counts_out_of_fifteen(tmp_path):
    katas = load_manifest(REPO / "kata.yaml")
    markdown = render_markdown(load_board(tmp_path, katas))
    assert f"**0 / {len(katas)} katas passed**" in markdown and len(katas) == 15
    assert markdown.count("| ⬜ not attempted |") == 15


def test_marker_is_shared_with_the_commenter():
    assert ci.MARKER == scoreboard.MARKER and ci.CONTEXT_FILE == scoreboard.CONTEXT_FILE


# -- validation of untrusted results -----------------------------------------------------------

GOOD = result("softmax", "failed", [one_test("test_a"), one_test("test_b", "masking", "failed", "no")])


def broken(**changes):
    return {**GOOD, **changes}


def broken_test(**changes):
    return {**GOOD, "tests": [GOOD["tests"][0], {**GOOD["tests"][1], **changes}]}


REJECTED = {
    "not json": "{not json",
    "truncated": json.dumps(GOOD)[:-5],
    "NaN": json.dumps(GOOD).replace('"duration_s": 1.25', '"duration_s": NaN'),
    "Infinity": json.dumps(GOOD).replace('"duration_s": 1.25', '"duration_s": Infinity'),
    "overflowing float": json.dumps(GOOD).replace('"duration_s": 1.25', '"duration_s": 1e999'),
    "duplicate key": json.dumps(GOOD)[:-1] + ', "status": "passed"}',
    "deep nesting": json.dumps(broken(message="x"))[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "huge integer": json.dumps(GOOD).replace('"total": 2', '"total": ' + "9" * 5000),
    "top-level list": json.dumps([GOOD]),
    "missing field": json.dumps({k: v for k, v in GOOD.items() if k != "tests"}),
    "extra field": json.dumps(broken(extra=1)),
    "status unknown": json.dumps(broken(status="excellent")),
    "passed as string": json.dumps(broken(passed="1")),
    "passed as bool": json.dumps(broken(passed=True)),
    "passed > total": json.dumps(broken(passed=3)),
    "negative total": json.dumps(broken(total=-1)),
    "total not matching": json.dumps(broken(total=5)),
    "duration as string": json.dumps(broken(duration_s="1.0")),
    "negative duration": json.dumps(broken(duration_s=-1)),
    "duration over a day": json.dumps(broken(duration_s=1e6)),
    "message not a string": json.dumps(broken(message=["a"])),
    "tests not a list": json.dumps(broken(tests={"a": 1})),
    "other kata": json.dumps(broken(kata="attention")),
    "status passed, a test failed": json.dumps(broken(status="passed")),
    "status failed, every test passed": json.dumps({**broken_test(status="passed"), "passed": 2}),
    "disallowed with tests": json.dumps(broken(status="disallowed")),
    "test category unknown": json.dumps(broken_test(category="vibes")),
    "test category injection": json.dumps(broken_test(category="<img src=x onerror=alert(1)>")),
    "test status disallowed": json.dumps(broken_test(status="disallowed")),
    "test status unknown": json.dumps(broken_test(status="green")),
    "test name not a string": json.dumps(broken_test(name=7)),
    "test name too long": json.dumps(broken_test(name="t" * 1001)),
    "test duration bool": json.dumps(broken_test(duration_s=False)),
    "test extra field": json.dumps(broken_test(stdout="x")),
    "too many tests": json.dumps(broken(tests=[one_test(f"t{i}") for i in range(1001)], total=1001, passed=1001,
                                        status="passed")),
    "not UTF-8": b"\xff\xfe{}",
}


@pytest.mark.parametrize("case", REJECTED)
def test_malformed_results_become_an_invalid_row(tmp_path, case):
    folder = tmp_path / "r"
    folder.mkdir()
    data = REJECTED[case]
    (folder / "softmax.json").write_bytes(data if isinstance(data, bytes) else data.encode())
    board = load_board(folder, KATAS)
    row = next(r for r in board.rows if r.kata == "softmax")
    assert row.status == "invalid" and row.problem and not row.graded, row
    assert scoreboard.failing(board) == [row]
    markdown = render_markdown(board)
    assert "⚠️ invalid result" in markdown and "the result file was rejected" in markdown
    assert "alert" not in markdown and "<img" not in markdown  # a rejection never quotes the file


def test_a_valid_result_is_accepted(tmp_path):
    (row,) = [r for r in load_board(write_results(tmp_path / "r", {"softmax": GOOD}), KATAS).rows if r.graded]
    assert (row.kata, row.status, row.passed, row.total, row.failed_categories) == ("softmax", "failed", 1, 2, ("masking",))


def test_oversized_file_is_rejected_without_being_read_whole(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    with open(folder / "softmax.json", "wb") as f:
        f.truncate(MAX_FILE_BYTES * 50)  # sparse: 200 MiB on paper
    row = next(r for r in load_board(folder, KATAS).rows if r.kata == "softmax")
    assert row.status == "invalid" and "MiB" in row.problem


def test_symlinks_and_folders_are_not_results(tmp_path):
    folder = write_results(tmp_path / "r", {})
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(GOOD))
    (folder / "softmax.json").symlink_to(secret)
    (folder / "attention.json").mkdir()
    rows = {r.kata: r for r in load_board(folder, KATAS).rows}
    assert rows["softmax"].status == rows["attention"].status == "invalid"
    assert rows["softmax"].problem == "not a regular file"


def test_unknown_katas_and_stray_files_are_ignored_and_counted(tmp_path):
    folder = write_results(tmp_path / "r", {"softmax": GOOD, "evil": GOOD, "tiny_transformer": GOOD})
    (folder / "<script>.json").write_text("{}")
    (folder / "notes.txt").write_text("hi")
    (folder / ".softmax.json.123.tmp").write_text("{}")
    board = load_board(folder, KATAS)
    assert [r.kata for r in board.rows] == list(KATAS)  # the manifest decides the rows, never the folder
    assert board.ignored_files == 5
    markdown = render_markdown(board)
    assert "evil" not in markdown and "script" not in markdown and "5 files in the results folder ignored" in markdown


def test_a_flood_of_files_is_capped(tmp_path, monkeypatch):
    folder = write_results(tmp_path / "r", {f"junk{i}": "{}" for i in range(500)})
    monkeypatch.setattr(scoreboard, "MAX_ENTRIES", 200)
    board = load_board(folder, KATAS)
    assert board.ignored_files == 200 and all(not r.graded for r in board.rows)


def test_a_missing_results_folder_is_an_error(tmp_path):
    with pytest.raises(scoreboard.ScoreboardError):
        load_board(tmp_path / "nope", KATAS)


@pytest.mark.parametrize("context, problem", [
    ({**CONTEXT, "head_sha": "HEAD"}, "head_sha is not a commit SHA"),
    ({**CONTEXT, "base_sha": "a" * 39}, "base_sha is not a commit SHA"),
    ({**CONTEXT, "pr": "12"}, "pr is not a pull-request number"),
    ({**CONTEXT, "pr": 0}, "pr is not a pull-request number"),
    ({**CONTEXT, "event": "pull_request_target"}, "event is unknown"),
    ({**CONTEXT, "touched": "kata.yaml"}, "touched is not a list"),
    ({**CONTEXT, "touched": [["kata.yaml"]]}, "a touched path is not a string"),
    ({**CONTEXT, "touched": ["x" * 1001]}, "a touched path is over"),
    ({**CONTEXT, "extra": 1}, "unknown field"),
])
def test_a_bad_run_context_is_dropped_with_a_warning(tmp_path, context, problem):
    board = load_board(write_results(tmp_path / "r", {"softmax": GOOD}, context), KATAS)
    assert board.context is None and len(board.problems) == 1 and problem in board.problems[0]
    assert "> [!WARNING]" in render_markdown(board)


# -- markdown and HTML injection ---------------------------------------------------------------

INJECTIONS = [
    "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "[click me](https://evil.example/phish)",
    "https://evil.example/x", "@octocat please look", "#1 closes #2", "a | b | c", "`code` ``more``",
    "**bold** _it_ ~~strike~~", "line one\nline two\r\n| forged | row |", "\u202eevil\u202c and zero\u200bwidth",
    "<!-- kata-gym-scoreboard -->", "::error file=x::forged annotation", "\\`escaped\\`", "</details><h1>big</h1>",
    "&lt;b&gt;entity&lt;/b&gt;", "> [!CAUTION] forged alert",
]


def test_injection_in_names_messages_and_paths_is_neutralised(tmp_path):
    tests = [one_test(text, "correctness", "failed", text) for text in INJECTIONS]
    results = {"softmax": result("softmax", "failed", tests, message="\n".join(INJECTIONS)),
               "norms": result("norms", "disallowed", [], message=INJECTIONS[0])}
    context = {**CONTEXT, "touched": INJECTIONS}
    board = load_board(write_results(tmp_path / "r", results, context), KATAS)
    markdown = scoreboard.render_markdown(board)
    # Outside code spans nothing untrusted is left: no HTML, no link, no mention, no forged marker.
    outside = without_code_spans(markdown)
    for needle in ("<img", "<script", "</details><h1", "](", "https://", "@octocat", "#1", "forged", "CAUTION",
                   "::error", "entity", "**bold**", "\u202e", "\u200b"):
        assert needle not in outside, needle
    assert outside.count("<!--") == 1 and markdown.startswith(MARKER)
    # The table keeps its shape: one line per kata, the right number of cells.
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(table) == 2 + len(KATAS) and all(line.count("|") == 8 for line in table)
    # Every code span stays on one line and holds no backtick or pipe.
    for span in re.findall(r"`([^`]*)`", markdown):
        assert "\n" not in span and "|" not in span
    assert all(ord(c) >= 32 for line in markdown.splitlines() for c in line)


def test_huge_inputs_stay_far_under_the_comment_limit(tmp_path):
    """Every kata with 1,000 failed tests of 1,000-character names and long messages, thousands of
    touched paths, a hundred stray files: the markdown still fits, with room to spare."""
    long = "x" * 990 + "`|<>@"
    katas = load_manifest(REPO / "kata.yaml")
    results = {k: result(k, "failed", [one_test(f"{long}{i}", "masking", "failed", long * 2) for i in range(999)] +
                         [one_test("ok")], message=long * 100) for k in katas}
    context = {**CONTEXT, "touched": [f".github/{long}{i}" for i in range(3000)]}
    folder = write_results(tmp_path / "r", results, context)
    for i in range(100):
        (folder / f"junk{i}.json").write_text("{}")
    board = load_board(folder, katas)
    assert all(r.status == "failed" for r in board.rows)
    markdown = render_markdown(board)
    assert len(markdown) < MAX_MARKDOWN_CHARS and len(markdown.encode()) < 65_536 // 2
    assert "What did not pass" in markdown


def test_the_size_cap_holds_even_with_the_details(tmp_path):
    """If the details would ever push the comment over the cap, they are dropped, the table stays."""
    katas = load_manifest(REPO / "kata.yaml")
    board = load_board(tmp_path, katas)
    big = scoreboard.Board(tuple(scoreboard.Row(k, 1, "failed", 0, 1, 1.0, True, ("masking",),
                                                (("n" * 80, "m" * 120),) * 3, "x" * 160) for k in katas) * 20)
    markdown = render_markdown(big)
    assert len(markdown) <= MAX_MARKDOWN_CHARS and "What did not pass" not in markdown
    assert render_markdown(board).count("\n") < 40


# -- the command -------------------------------------------------------------------------------

def test_scoreboard_command_writes_markdown_json_and_checks(tmp_path):
    folder = write_results(tmp_path / "r", {"probe": result("probe", "failed", [one_test("a"), one_test("b", status="failed")])})
    md, js = tmp_path / "board.md", tmp_path / "board.json"
    proc = run_graders("scoreboard", folder, "--markdown", md, "--json", js, "--annotations", root=ENGINE_KATA)
    assert proc.returncode == 0, proc.stderr
    assert "probe  *      FAIL   failed    1/2" in proc.stdout and "::error file=solutions/probe.py" in proc.stdout
    assert md.read_text().startswith(MARKER) and json.loads(js.read_text())["totals"]["failing"] == 1
    assert run_graders("scoreboard", folder, "--check", root=ENGINE_KATA).returncode == 1
    proc = run_graders("scoreboard", tmp_path / "missing", root=ENGINE_KATA)
    assert proc.returncode == 2 and "not a folder of results" in proc.stderr and "Traceback" not in proc.stderr


def test_not_attempted_is_not_a_failure_for_check(tmp_path):
    folder = write_results(tmp_path / "r", {"probe": result("probe", "not_attempted", [one_test("a", status="not_attempted")])})
    assert run_graders("scoreboard", folder, "--check", root=ENGINE_KATA).returncode == 0


def test_scoreboard_defaults_to_the_learners_last_grades(probe_root):
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "probe.py").write_text((ENGINE_KATA.parent / "misbehaving" / "correct.py").read_text())
    assert run_graders("grade", root=probe_root).returncode == 0
    proc = run_graders("scoreboard", root=probe_root)
    assert proc.returncode == 0 and "PASS   passed" in proc.stdout and "1/1 katas passed" in proc.stdout


def test_grading_several_katas_ends_with_the_table(probe_root):
    manifest = probe_root / "kata.yaml"
    text = manifest.read_text()
    manifest.write_text(text + text.split("katas:\n", 1)[1].replace("id: probe", "id: probe_two"))
    (probe_root / "katas" / "probe_two").mkdir()
    for f in (probe_root / "katas" / "probe").iterdir():
        if f.is_file():
            (probe_root / "katas" / "probe_two" / f.name).write_text(f.read_text().replace("probe", "probe_two"))
    (probe_root / "solutions").mkdir()
    correct = (ENGINE_KATA.parent / "misbehaving" / "correct.py").read_text()
    (probe_root / "solutions" / "probe.py").write_text(correct)
    (probe_root / "solutions" / "probe_two.py").write_text(correct.replace("return a + b", "return a - b"))
    proc = run_graders("grade", root=probe_root)
    assert proc.returncode == 1
    tail = proc.stdout[proc.stdout.index("kata   "):]
    assert "probe      *      PASS   passed" in tail and "probe_two  *      FAIL   failed" in tail
    assert "correctness, performance" in tail and "1/2 katas passed, 1/2 stars" in tail


def test_coming_soon_katas_are_shown_and_left_out_of_every_total(tmp_path):
    katas = load_manifest(REPO / "kata.yaml")
    ready = [k for k in katas if k != "tiny_transformer"]
    board = scoreboard.load_board(write_results(tmp_path, {"attention": EVERY_STATUS["attention"]}), katas, ready=ready)
    row = next(r for r in board.rows if r.kata == "tiny_transformer")
    assert row.status == scoreboard.COMING_SOON and scoreboard.totals(board)["katas"] == 14
    assert scoreboard.totals(board)["stars_total"] == sum(k.stars for k in katas.values()) - katas["tiny_transformer"].stars
    markdown = scoreboard.render_markdown(board)
    assert "| tiny_transformer | ★★ | 🔜 coming soon | — |   | — |" in markdown and "**1 / 14 katas passed**" in markdown
    assert not scoreboard.failing(board) or all(r.status != scoreboard.COMING_SOON for r in scoreboard.failing(board))
