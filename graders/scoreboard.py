"""The scoreboard: the per-kata JSON results of a grading run -> one table, as GitHub markdown
(job summary, pull-request comment), plain text (terminal), JSON, and ::error annotations.

The results are UNTRUSTED data (a CI artifact a pull request could have forged): every file is
size-capped and validated against the manifest and the fixed status and category sets before
anything is rendered, a bad file becomes an "invalid" row, and untrusted strings reach the
markdown only inside neutralised code spans.

    board = load_board(results_dir, katas)            # ScoreboardError only if the folder is unreadable
    render_markdown(board); render_terminal(board); annotations(board); failing(board)
"""

import json
import math
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from graders.grade import KATA_STATUSES
from graders.plugin import CATEGORIES
from graders.report import LABELS
from graders.repo import LEVEL_SEPARATOR, UsageError, file_stem, ready_katas

TEST_STATUSES = tuple(s for s in KATA_STATUSES if s != "disallowed")  # a test is never disallowed
INVALID = "invalid"           # a row whose result file was rejected (not a grader status)
COMING_SOON = "coming_soon"   # a row of a kata with no hidden tests yet: left out of every total
FAILING = ("failed", "error", "timeout", "memory", "disallowed", INVALID)  # an attempt that did not pass
CONTEXT_FILE = "run-context.json"  # the run's event, PR and commits; a hyphen keeps it apart from kata ids
MARKER = "<!-- kata-gym-scoreboard -->"  # first line of the PR comment: how the commenter finds its own

MAX_ENTRIES = 100_000          # names looked at in a results folder (only the manifest's are read)
MAX_FILE_BYTES = 4 * 2**20     # one result file
MAX_TESTS = 1000               # tests in one kata
MAX_NAME_CHARS = 1000          # a test name
MAX_MESSAGE_CHARS = 2**20      # a message (only its first line is ever shown)
MAX_SECONDS = 24 * 3600.0      # a duration
MAX_TOUCHED = 5000             # paths a pull request changed
MAX_PATH_CHARS = 1000
MAX_MARKDOWN_CHARS = 24_000    # GitHub's comment limit is 65,536; this leaves room to spare
SHA = re.compile(r"^[0-9a-f]{40}$")
EVENTS = ("push", "pull_request", "workflow_dispatch", "local")

GLYPHS = {"passed": "✅", "failed": "❌", "error": "💥", "timeout": "⏱️", "memory": "🧠",
          "disallowed": "🚫", "not_attempted": "⬜", INVALID: "⚠️", COMING_SOON: "🔜"}
TERMINAL_LABELS = {**{s: label for s, (label, _) in LABELS.items()}, INVALID: "BAD", COMING_SOON: "SOON"}

KATA_FIELDS = {"kata", "status", "passed", "total", "duration_s", "message", "sandbox", "sandbox_note", "tests"}
TEST_FIELDS = {"name", "category", "status", "message", "duration_s"}
CONTEXT_FIELDS = {"event", "pr", "head_sha", "base_sha", "touched"}


class ScoreboardError(Exception):
    """The results folder itself cannot be read (missing, not a folder)."""


class Invalid(Exception):
    """A result file breaks the format; the message says how, never quoting the file."""


@dataclass(frozen=True)
class Row:
    """One kata of the manifest: its grade in this run, or not_attempted when there is none."""
    kata: str
    stars: int
    status: str = "not_attempted"
    passed: int = 0
    total: int = 0
    duration_s: float = 0.0
    graded: bool = False                    # a result file was there (and valid)
    failed_categories: tuple = ()           # in CATEGORIES order
    failed_tests: tuple = ()                # (name, first line of its message): untrusted text
    message: str = ""                       # the kata-level reason's first line, untrusted text
    problem: str = ""                       # why the result file was rejected (our own words)
    levels_passed: int = 0                  # a kata's row: its levels whose result in this run passed
    levels_total: int = 0                   # a kata's row: its levels (0: it has none)
    file: str = ""                          # the solution file, when it is not solutions/<kata>.py (a level's)


@dataclass(frozen=True)
class RunContext:
    """Which run the results came from. `touched`: paths the PR changed outside solutions/."""
    event: str
    head_sha: str | None = None
    pr: int | None = None
    base_sha: str | None = None
    touched: tuple = ()


@dataclass(frozen=True)
class Board:
    rows: tuple                              # every manifest kata, in manifest order
    context: RunContext | None = None
    ignored_files: int = 0                   # unexpected names in the results folder
    problems: tuple = ()                     # about the folder or the context (our own words)
    verified: bool | None = None             # a PR comment: graded by the trusted path, or self-reported
    levels: tuple = ()                       # Rows of the levels graded in this run (their kata: softmax:logsumexp)


# -- loading and validating --------------------------------------------------------------------

def _no_constants(name):
    raise Invalid(f"the number {name} is not allowed")


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise Invalid("an object has a key twice")
    return dict(pairs)


def read_json(path):
    """Parse one untrusted JSON file: a regular file (no symlink), at most MAX_FILE_BYTES,
    strict JSON (no NaN or Infinity, no duplicate keys). Raises Invalid."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            raise Invalid("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise Invalid(f"over {MAX_FILE_BYTES >> 20} MiB")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError:
        raise Invalid("unreadable") from None
    if len(raw) > MAX_FILE_BYTES:
        raise Invalid(f"over {MAX_FILE_BYTES >> 20} MiB")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constants, object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError:
        raise Invalid("not UTF-8") from None
    except (ValueError, RecursionError):
        raise Invalid("not valid JSON") from None


def _is_int(v, low, high):
    return isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _is_seconds(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= MAX_SECONDS


def _check_fields(data, expected, what):
    if not isinstance(data, dict):
        raise Invalid(f"{what} is not an object")
    if set(data) != expected:
        missing, extra = sorted(expected - set(data)), len(set(data) - expected)
        raise Invalid(f"{what} is missing {', '.join(missing)}" if missing else f"{what} has {extra} unknown field(s)")


def _check_text(v, limit, what):
    if not isinstance(v, str):
        raise Invalid(f"{what} is not a string")
    if len(v) > limit:
        raise Invalid(f"{what} is over {limit:,} characters")
    return v


def test_function(name):
    """The hidden test function a result's test name is a case of: `test_x` for test_x, for a
    parametrized test_x[case] and for a fresh-inputs twin test_x[fresh] or test_x[case-fresh]."""
    return name.partition("[")[0] if name.endswith("]") else name


def attempt_keys(katas):
    """{attempt key: its Kata}, in manifest order: `softmax` (the first framework), `softmax_torch`."""
    return {kata.id + ("" if framework == kata.framework else f"_{framework}"): kata
            for kata in katas.values() for framework in kata.frameworks}


def level_keys(katas):
    """{a level attempt's key: (its kata's attempt key, Kata, Level)}: `softmax:logsumexp_torch` ->
    (`softmax_torch`, softmax, logsumexp)."""
    keys = {}
    for kata in katas.values():
        for framework in kata.frameworks:
            suffix = "" if framework == kata.framework else f"_{framework}"
            for level in kata.levels:
                keys[f"{kata.id}{LEVEL_SEPARATOR}{level.id}{suffix}"] = (kata.id + suffix, kata, level)
    return keys


def level_file(kata, level, key):
    """The solution file a level's row points at: the kata's own for a same-file level."""
    base = key.replace(f"{LEVEL_SEPARATOR}{level.id}", "")
    return f"solutions/{base if level.file == 'same' else file_stem(key)}.py"


def validate_result(data, kata, known_tests=None, key=None):
    """A parsed result for `kata` (a manifest Kata; `key`: the attempt's, default the kata's id) -> Row;
    `known_tests`, when given, the names of the kata's hidden tests that the result's tests must be
    among. Raises Invalid."""
    key = key or kata.id
    _check_fields(data, KATA_FIELDS, "the result")
    if data["kata"] != key:
        raise Invalid("it names another kata than its file name")
    if data["status"] not in KATA_STATUSES:
        raise Invalid("status is not a grader status")
    if not isinstance(data["tests"], list) or len(data["tests"]) > MAX_TESTS:
        raise Invalid(f"tests is not a list of at most {MAX_TESTS} tests")
    if not (_is_int(data["total"], 0, MAX_TESTS) and _is_int(data["passed"], 0, data["total"])):
        raise Invalid("passed/total are not integers with 0 <= passed <= total")
    if not _is_seconds(data["duration_s"]):
        raise Invalid("duration_s is not a number of seconds")
    _check_text(data["message"], MAX_MESSAGE_CHARS, "message")
    if not isinstance(data["sandbox"], bool):
        raise Invalid("sandbox is not true or false")
    _check_text(data["sandbox_note"], MAX_MESSAGE_CHARS, "sandbox_note")
    for i, test in enumerate(data["tests"]):
        where = f"tests[{i}]"
        _check_fields(test, TEST_FIELDS, where)
        _check_text(test["name"], MAX_NAME_CHARS, f"{where}.name")
        _check_text(test["message"], MAX_MESSAGE_CHARS, f"{where}.message")
        if test["category"] not in CATEGORIES:
            raise Invalid(f"{where}.category is not a known category")
        if test["status"] not in TEST_STATUSES:
            raise Invalid(f"{where}.status is not a test status")
        if not _is_seconds(test["duration_s"]):
            raise Invalid(f"{where}.duration_s is not a number of seconds")
    tests, status = data["tests"], data["status"]
    if known_tests is not None and any(test_function(t["name"]) not in known_tests for t in tests):
        raise Invalid("it names a test that the hidden tests at the base commit do not have")
    if data["total"] != len(tests) or data["passed"] != sum(t["status"] == "passed" for t in tests):
        raise Invalid("passed/total do not match the tests")
    if status == "passed" and (not tests or data["passed"] != data["total"]):
        raise Invalid("status passed with tests that did not pass")
    if status != "passed" and tests and data["passed"] == data["total"]:
        raise Invalid("every test passed but the status is not passed")
    if status == "disallowed" and tests:
        raise Invalid("a disallowed solution has test results")
    bad = [t for t in tests if t["status"] not in ("passed", "not_attempted")]
    failed = {t["category"] for t in bad}
    return Row(key, kata.stars, status, data["passed"], data["total"], float(data["duration_s"]), graded=True,
               failed_categories=tuple(c for c in CATEGORIES if c in failed),
               failed_tests=tuple((t["name"], _first_line(t["message"])) for t in bad),
               message=_first_line(data["message"]) if status != "passed" else "")


def validate_context(data):
    """A parsed run-context.json -> RunContext. Raises Invalid."""
    _check_fields(data, CONTEXT_FIELDS, "the run context")
    if data["event"] not in EVENTS:
        raise Invalid("the run context's event is unknown")
    for key in ("head_sha", "base_sha"):
        if data[key] is not None and not (isinstance(data[key], str) and SHA.match(data[key])):
            raise Invalid(f"the run context's {key} is not a commit SHA")
    if data["pr"] is not None and not _is_int(data["pr"], 1, 10**9):
        raise Invalid("the run context's pr is not a pull-request number")
    touched = data["touched"]
    if not isinstance(touched, list) or len(touched) > MAX_TOUCHED:
        raise Invalid(f"the run context's touched is not a list of at most {MAX_TOUCHED} paths")
    for path in touched:
        _check_text(path, MAX_PATH_CHARS, "a touched path")
    return RunContext(data["event"], data["head_sha"], data["pr"], data["base_sha"], tuple(touched))


def _empty_rows(katas, ready):
    """A row per manifest kata: not attempted, or coming soon when `ready` (ids) does not list it."""
    return {k.id: Row(k.id, k.stars, "not_attempted" if ready is None or k.id in ready else COMING_SOON)
            for k in katas.values()}


def load_board(results_dir, katas, known_tests=None, ready=None):
    """Every kata of `katas` (the manifest, in order) with its validated result from
    `results_dir`/<kata>.json if any, and run-context.json if present. Never trusts the files.
    `known_tests`: {kata: set of hidden test names}, to reject results naming tests that do not exist;
    `ready`: the ids of the katas that have hidden tests (the others are coming soon)."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise ScoreboardError(f"{results_dir}: not a folder of results")
    keys = attempt_keys(katas)  # a second framework's row (softmax_torch) only when it was graded
    levels = {f"{file_stem(key)}.json": key for key in level_keys(katas)}
    wanted = {f"{key}.json" for key in keys} | set(levels) | {CONTEXT_FILE}
    try:
        with os.scandir(results_dir) as entries:
            names = [e.name for _, e in zip(range(MAX_ENTRIES), entries)]
    except OSError as e:
        raise ScoreboardError(f"{results_dir}: cannot be read ({e.strerror})") from None
    ignored, problems = sum(name not in wanted for name in names), []
    rows = _empty_rows(katas, ready)
    level_rows = {}
    context = None
    for name in sorted(set(names) & wanted):
        if name in levels:
            level_rows[levels[name]] = _level_row(results_dir / name, levels[name], katas, known_tests, rows)
            continue
        key = name[:-len(".json")]
        kata_id = keys[key].id if key in keys else key
        if name == CONTEXT_FILE:
            try:
                context = validate_context(read_json(results_dir / name))
            except Invalid as e:
                problems.append(f"{CONTEXT_FILE} was rejected: {e}")
        elif rows[kata_id].status == COMING_SOON:
            rows[key] = Row(key, katas[kata_id].stars, INVALID, problem="this kata has no hidden tests yet")
        else:
            try:
                known = None if known_tests is None else known_tests.get(kata_id, set())
                rows[key] = validate_result(read_json(results_dir / name), katas[kata_id], known, key)
            except Invalid as e:
                rows[key] = Row(key, katas[kata_id].stars, INVALID, problem=str(e))
    return _with_levels(Board(_in_manifest_order(rows, keys), context, ignored, tuple(problems)), level_rows, katas)


def _level_row(path, key, katas, known_tests, rows):
    """The validated Row of one level's result file (INVALID when it is rejected)."""
    base, kata, level = level_keys(katas)[key]
    if rows[kata.id].status == COMING_SOON:
        return Row(key, kata.stars, INVALID, problem="this kata has no hidden tests yet", file=level_file(kata, level, key))
    try:
        known = None if known_tests is None else known_tests.get(f"{kata.id}{LEVEL_SEPARATOR}{level.id}", set())
        row = validate_result(read_json(path), kata, known, key)
    except Invalid as e:
        row = Row(key, kata.stars, INVALID, problem=str(e))
    return replace(row, file=level_file(kata, level, key))


def _with_levels(board, level_rows, katas):
    """The board with its level rows (manifest order) and each kata row's levels column."""
    order = level_keys(katas)
    rows = []
    for row in board.rows:
        kata = katas.get(row.kata) or attempt_keys(katas).get(row.kata)
        mine = [level_rows[key] for key, (base, _, _) in order.items() if base == row.kata and key in level_rows]
        rows.append(replace(row, levels_total=len(kata.levels) if row.status != COMING_SOON else 0,
                            levels_passed=sum(r.status == "passed" for r in mine)))
    return replace(board, rows=tuple(rows), levels=tuple(level_rows[key] for key in order if key in level_rows))


def _in_manifest_order(rows, keys):
    return tuple(rows[key] for key in keys if key in rows)


def board_from_results(results, katas, ready=None):
    """The board of in-memory KataResults (the terminal table after `grade`), validated the same way."""
    rows, keys, levels = _empty_rows(katas, ready), attempt_keys(katas), level_keys(katas)
    level_rows = {}
    for result in results:  # result.kata is the attempt's key
        kata = keys[result.kata] if result.kata in keys else levels[result.kata][1]
        try:
            row = validate_result(json.loads(json.dumps(result.to_json())), kata, key=result.kata)
        except Invalid as e:
            row = Row(result.kata, kata.stars, INVALID, problem=str(e))
        if result.kata in levels:
            level_rows[result.kata] = replace(row, file=level_file(kata, levels[result.kata][2], result.kata))
        else:
            rows[result.kata] = row
    return _with_levels(Board(_in_manifest_order(rows, keys)), level_rows, katas)


def with_pull_request(board, pr, base_sha, touched):
    """The board with its PR facts replaced by trusted ones (from the GitHub API, not the artifact)."""
    context = board.context or RunContext("pull_request")
    return replace(board, context=replace(context, pr=pr, base_sha=base_sha, touched=tuple(touched)))


# -- summaries ---------------------------------------------------------------------------------

def failing(board):
    """Rows of attempts (at a kata or at a level) that did not pass (one never attempted is not a failure)."""
    return [r for r in (*board.rows, *board.levels) if r.status in FAILING]


def totals(board):
    """Counts over the katas that have hidden tests (coming-soon katas count nowhere); levels apart."""
    rows = [r for r in board.rows if r.status != COMING_SOON]
    passed = [r for r in rows if r.status == "passed"]
    return {"passed": len(passed), "katas": len(rows),
            "stars": sum(r.stars for r in passed), "stars_total": sum(r.stars for r in rows),
            "levels_passed": sum(r.levels_passed for r in rows), "levels": sum(r.levels_total for r in rows),
            "failing": len(failing(board)), "graded": sum(r.graded for r in (*board.rows, *board.levels)),
            "duration_s": round(sum(r.duration_s for r in (*board.rows, *board.levels)), 3)}


def to_json(board):
    """The validated board as plain data (numbers, fixed words, and the test names as given)."""
    def plain_row(r):
        return {"kata": r.kata, "stars": r.stars, "status": r.status, "graded": r.graded, "passed": r.passed,
                "total": r.total, "duration_s": r.duration_s, "failed_categories": list(r.failed_categories),
                "problem": r.problem}

    rows = [{**plain_row(r), "levels_passed": r.levels_passed, "levels": r.levels_total} for r in board.rows]
    context = None if board.context is None else {
        "event": board.context.event, "pr": board.context.pr, "head_sha": board.context.head_sha,
        "base_sha": board.context.base_sha, "touched": list(board.context.touched)}
    return {"totals": totals(board), "katas": rows, "levels": [plain_row(r) for r in board.levels], "context": context,
            "ignored_files": board.ignored_files, "problems": list(board.problems)}


def _first_line(text):
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


# -- markdown ----------------------------------------------------------------------------------

def plain(text, limit):
    """One line of untrusted text, at most `limit` characters: control, format (bidi overrides,
    zero-width), private-use and unassigned characters dropped, whitespace collapsed."""
    kept = []
    for ch in text[:limit * 2 + 64]:
        category = unicodedata.category(ch)
        if category[0] == "Z" or ch in "\t\n\r\f\v":
            kept.append(" ")
        elif category[0] != "C":
            kept.append(ch)
    line = " ".join("".join(kept).split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


def code(text, limit):
    """Untrusted text as an inline code span, where GitHub renders no HTML, link, mention or
    emphasis; the two characters that could end the span or a table cell are swapped for look-alikes."""
    line = plain(text, limit).replace("`", "ˋ").replace("|", "¦")
    return f"`{line}`" if line else "—"


def status_words(status):
    return "invalid result" if status == INVALID else status.replace("_", " ")  # coming_soon: "coming soon"


def _seconds(row):
    return f"{row.duration_s:.1f} s" if row.graded else "—"


def _tests(row):
    return f"{row.passed}/{row.total}" if row.graded else "—"


def _levels(row):
    """The levels column: `1/2` levels passed in this run; blank for a kata with no levels."""
    return f"{row.levels_passed}/{row.levels_total}" if row.levels_total else ""


def _note_lines(context):
    """The pull-request note: what the PR changed outside solutions/ and what that means."""
    if context is None or not context.touched:
        return []
    shown = ", ".join(code(p, 100) for p in context.touched[:8])
    more = f" and {len(context.touched) - 8} more" if len(context.touched) > 8 else ""
    base = f" (`{context.base_sha[:7]}`)" if context.base_sha else ""
    lines = ["> [!NOTE]",
             f"> This pull request changes {_count(len(context.touched), 'file')} outside `solutions/`: {shown}{more}. "
             f"They do not count: grading takes the grader, the hidden tests, `kata.yaml`, `noxfile.py`, "
             f"`requirements/` and everything else outside `solutions/` from the base commit{base}."]
    if any(p.startswith(".github/") for p in context.touched):
        lines.append("> It also changes `.github/`: a pull request's workflow is its own, so this grade is "
                     "self-reported until the change is reviewed.")
    return lines


def verified_tag(head_sha):
    """The hidden line a verified comment carries: a self-reported grade never replaces it."""
    return f"<!-- verified {head_sha} -->"


def _trust_lines(board):
    """The comment's first visible line: whether its grade can be trusted."""
    if board.verified is None:
        return []
    if board.verified:
        head = board.context.head_sha if board.context and board.context.head_sha else ""
        return [verified_tag(head), "**✔️ Verified**: graded by this repository's own grader and hidden tests "
                "(the default branch's), in the sandbox, from this pull request's `solutions/` only.", ""]
    return ["**Self-reported**: graded by a job this pull request controls (its own workflow, grader and tests): "
            "a tool for the author, not a verdict. The verified grade replaces it when it is ready.", ""]


def _count(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _details(board, tests_per_kata=3):
    """Per attempt that did not pass: its reason, and its first failed tests with their messages."""
    lines = []
    for row in failing(board):
        head = f"- **{row.kata}** {GLYPHS[row.status]} {status_words(row.status)}"
        if row.problem:
            lines.append(f"{head}: the result file was rejected ({row.problem})")
            continue
        lines.append(f"{head}: {code(row.message, 160)}" if row.message else head)
        for name, message in row.failed_tests[:tests_per_kata]:
            lines.append(f"  - {code(name, 80)}" + (f": {code(message, 120)}" if message else ""))
        if len(row.failed_tests) > tests_per_kata:
            lines.append(f"  - and {_count(len(row.failed_tests) - tests_per_kata, 'more test')}")
    return lines


def render_markdown(board, details=True):
    """The scoreboard as GitHub markdown, starting with MARKER; always under MAX_MARKDOWN_CHARS."""
    t = totals(board)
    context = board.context
    commit = f" · commit `{context.head_sha[:7]}`" if context and context.head_sha else ""
    out = [MARKER, *_trust_lines(board), "## Kata scoreboard", "",
           f"**{t['passed']} / {t['katas']} katas passed** · **{t['stars']} / {t['stars_total']} ★** "
           f"(weighted by how often each kata is asked) · graded in {t['duration_s']:.1f} s{commit}", "",
           "| Kata | Stars | Status | Tests | Levels | Time | Failed categories |",
           "| :-- | :-- | :-- | --: | --: | --: | :-- |"]
    for row in board.rows:
        out.append(f"| {row.kata} | {'★' * row.stars} | {GLYPHS[row.status]} {status_words(row.status)} | "
                   f"{_tests(row)} | {_levels(row) or ' '} | {_seconds(row)} | {', '.join(row.failed_categories) or ' '} |")
    note = _note_lines(context)
    if note:
        out += [""] + note
    if board.ignored_files or board.problems:
        out += ["", "> [!WARNING]"]
        if board.ignored_files:
            out.append(f"> {_count(board.ignored_files, 'file')} in the results folder ignored: not kata results.")
        out += [f"> {p}" for p in board.problems[:5]]
    listed = _details(board) if details else []
    if listed:
        out += ["", "<details><summary>What did not pass</summary>", "", *listed, "", "</details>"]
    out += ["", "<sub>Grade locally: <code>nox -s grade</code>. Legend: ✅ passed · ❌ failed · 💥 error · "
            "⏱️ timeout · 🧠 memory · 🚫 disallowed · ⬜ not attempted</sub>", ""]
    text = "\n".join(out)
    if len(text) > MAX_MARKDOWN_CHARS and details:
        return render_markdown(board, details=False)
    return text


# -- terminal and CI ---------------------------------------------------------------------------

def render_terminal(board, paint=None):
    """The same table as plain text; `paint(text, status)` colours a status (report.Reporter.paint)."""
    header = ("kata", "stars", "status", "tests", "levels", "time", "failed categories")
    rows = [(r.kata, "*" * r.stars, f"{TERMINAL_LABELS[r.status]:<6} {status_words(r.status)}", _tests(r),
             _levels(r), _seconds(r), ", ".join(r.failed_categories), r.status) for r in board.rows]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(6)]
    lines = []
    for row in [(*header, None), *rows]:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]),
                 row[3].rjust(widths[3]), row[4].rjust(widths[4]), row[5].rjust(widths[5]), row[6]]
        if paint and row[7] in LABELS:
            cells[2] = paint(cells[2], row[7])
        lines.append("  ".join(cells).rstrip())
    t = totals(board)
    lines.append(f"{t['passed']}/{t['katas']} katas passed, {t['stars']}/{t['stars_total']} stars"
                 + (f", {t['levels_passed']}/{t['levels']} levels" if t["levels"] else "")
                 + (f", {t['failing']} attempted and not passing" if t["failing"] else ""))
    for row in board.levels:
        if row.status in FAILING:
            lines.append(f"level {row.kata}: {status_words(row.status)}" + (f" {_tests(row)}" if row.graded else ""))
    lines += [f"warning: {p}" for p in board.problems]
    if board.ignored_files:
        lines.append(f"warning: {_count(board.ignored_files, 'file')} in the results folder ignored: not kata results")
    return "\n".join(lines)


def _escape_data(text):
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text):
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(board):
    """A GitHub `::error file=solutions/<kata>.py::` line per attempt that did not pass."""
    lines = []
    for row in failing(board):
        categories = f" ({', '.join(row.failed_categories)})" if row.failed_categories else ""
        what = (f"the result file was rejected: {row.problem}" if row.problem
                else f"{row.passed}/{row.total} tests passed{categories}")
        title = f"{row.kata}: {status_words(row.status)}"
        lines.append(f"::error file={_escape_property(row.file or f'solutions/{row.kata}.py')},title={_escape_property(title)}"
                     f"::{_escape_data(f'{title} - {what}')}")
    return lines


def run_scoreboard(args, katas, paths):
    """`python -m graders scoreboard`: print the terminal table; write --markdown and --json;
    print --annotations; with --check, exit 1 when an attempted kata did not pass."""
    from graders.report import Reporter

    results_dir = args.results_dir or paths.root / ".results"
    if args.results_dir is None and not results_dir.exists():
        results_dir.mkdir()  # no grade yet: every kata not attempted
    try:
        board = load_board(results_dir, katas, ready=ready_katas(katas, paths))
    except ScoreboardError as e:
        raise UsageError(str(e)) from None
    reporter = Reporter()
    reporter.print(render_terminal(board, paint=reporter.paint))
    if args.markdown:
        Path(args.markdown).write_text(render_markdown(board), encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps(to_json(board), indent=2) + "\n", encoding="utf-8")
    if args.annotations:
        for line in annotations(board):
            print(line, flush=True)
    return 1 if args.check and failing(board) else 0
