"""`review KATA`: the interviewer's second grade, advisory. The hidden tests say whether a solution is
right; the review scores how it was written, against the kata's rubric (katas/<id>/rubric.yaml).

    request = build_request(kata, rubric, prompt, source, result)    # text for any LLM
    verdict = run_reviewer(command, request, timeout)                 # KATA_REVIEWER: stdin -> stdout
    print(render_table(rubric, verdict))

The reviewer is a shell command the learner sets (`KATA_REVIEWER`, e.g. `llm -m gpt-4o-mini`):
it reads the request on stdin and prints a JSON verdict on stdout. Nothing here makes a network
call of its own; without a reviewer, the command prints the request to paste into any chat.
"""

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from graders.report import printable

MAX_SCORE = 4
DEFAULT_TIMEOUT_S = 180
MAX_OUTPUT_BYTES = 1 << 20
MAX_SENTENCE_CHARS = 600
PLACEHOLDER = "one sentence"  # the template's text for every comment: a verdict that still holds it repeats the request
MAX_JSON_STARTS = 256         # where to try decoding a JSON object in the answer: bounds the work on a huge reply
REPEATED = ("the reviewer repeated the request (its answer holds the request's JSON template, not a verdict: "
            "KATA_REVIEWER must be a command that answers it, e.g. llm -m gpt-4o-mini)")


class ReviewError(Exception):
    """No verdict: the rubric is broken, or the reviewer failed, hung or answered out of schema."""


@dataclass(frozen=True)
class Verdict:
    scores: dict        # item id -> (score 0..MAX_SCORE, one sentence)
    overall: str

    def total(self):
        return sum(score for score, _ in self.scores.values())


def load_rubric(path):
    """rubric.yaml -> [{"id", "title", "full_marks", "loses_marks"}], 4 to 6 items; ReviewError if malformed."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReviewError(f"{path} does not exist: this kata has no rubric yet") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ReviewError(f"{path} cannot be read ({e})") from None
    items = data.get("items") if isinstance(data, dict) else None
    if not (isinstance(items, list) and 4 <= len(items) <= 6):
        raise ReviewError(f"{path}: expected 4 to 6 items")
    for item in items:
        if not (isinstance(item, dict) and all(isinstance(item.get(k), str) and item[k].strip()
                                               for k in ("id", "title", "full_marks"))
                and isinstance(item.get("loses_marks"), list) and item["loses_marks"]):
            raise ReviewError(f"{path}: every item needs id, title, full_marks and a list loses_marks")
    if len({item["id"] for item in items}) != len(items):
        raise ReviewError(f"{path}: two items share an id")
    return items


def build_request(kata, rubric, prompt, source, result, answers=None, levels=None, level=None):
    """The whole request as text: the role, the rubric, the problem, the grade, the solution, the
    candidate's written answers to the follow-up questions (when given), the graded follow-ups'
    grades (`levels`: lines), the schema. `level`: the Level reviewed (its prompt is `prompt`)."""
    exercise = (f"\"{kata.title}\" ({kata.id}), written from memory in {kata.minutes} minutes" if level is None else
                f"\"{kata.title}\" ({kata.id}), extended with the follow-up \"{level.title}\" ({kata.id}:{level.id}) "
                f"in {level.minutes} minutes: review the follow-up's part")
    lines = [
        f"You are an interviewer at an AI lab reviewing a candidate's solution to the coding exercise {exercise}.",
        "Hidden tests already decided whether it is correct (the grade below). Score HOW it is written, "
        f"item by item against this rubric, each from 0 (missing) to {MAX_SCORE} (full marks), with one "
        "sentence each that names what earned or lost the marks (quote the code where it helps).", "",
        "## Rubric"]
    for item in rubric:
        lines.append(f"- `{item['id']}`: {item['title']}. Full marks: {item['full_marks']}")
        lines += [f"  - loses marks: {reason}" for reason in item["loses_marks"]]
    lines += ["", "## The problem as the candidate was given it", "", prompt.strip(), "",
              "## The grade from the hidden tests", "", grade_summary(result), "",
              "## The candidate's solution", "", "```python", source.rstrip(), "```", ""]
    if levels:
        lines += ["## The graded follow-ups (levels) the interviewer asked next, by their hidden tests", "",
                  *(f"- {line}" for line in levels), ""]
    if answers:
        lines += ["## The candidate's answers to the follow-up questions",
                  "Written after the exercise, in a mock interview; use them where the rubric asks about follow-ups.",
                  "", answers.strip(), ""]
    lines += ["## Your answer",
              "Reply with ONLY a JSON object, no prose around it, of exactly this form:",
              json.dumps(answer_template(rubric), indent=1)]
    return "\n".join(lines) + "\n"


def answer_template(rubric):
    """The verdict's form as the request shows it: every score the maximum, every comment PLACEHOLDER."""
    return {"items": [{"id": item["id"], "score": MAX_SCORE, "comment": PLACEHOLDER} for item in rubric],
            "overall": PLACEHOLDER}


def latest_answers(paths, kata_id):
    """The learner's latest answers to the follow-up questions (solutions/.interview/<kata>-*.md, from
    `interview`), their questions as ### headings, or None when there are none."""
    pattern = paths.interview_answers(kata_id, "*")
    try:
        files = sorted(pattern.parent.glob(pattern.name), key=lambda f: f.stat().st_mtime_ns)
        text = files[-1].read_text(encoding="utf-8") if files else ""
    except (OSError, UnicodeDecodeError):
        return None
    body = re.sub(r"^## ", "### ", re.sub(r"\A# .*\n", "", text), flags=re.M).strip()
    return body or None


def grade_summary(result):
    """The grade as the reviewer needs it: status, counts, categories passed and failed."""
    if result is None:
        return "Not graded."
    failed = sorted({t["category"] for t in result["tests"] if t["status"] != "passed"})
    passed = sorted({t["category"] for t in result["tests"]} - set(failed))
    return (f"{result['status']}: {result['passed']}/{result['total']} hidden tests passed. "
            f"Categories passed: {', '.join(passed) or 'none'}. Categories failed: {', '.join(failed) or 'none'}.")


def run_reviewer(command, request, timeout):
    """Run the reviewer command with the request on stdin -> its stdout; ReviewError on failure or hang."""
    with subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, start_new_session=True) as proc:
        try:
            stdout, stderr = proc.communicate(request.encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ReviewError(f"the reviewer ({command}) gave no answer within {timeout:g} s") from None
        finally:  # answered, hung or Ctrl-C: the shell and everything it started end with the review
            _kill_group(proc.pid)
    if proc.returncode != 0:
        last = printable(stderr.decode(errors="replace").strip().splitlines()[-1:][0] if stderr.strip() else "")
        raise ReviewError(f"the reviewer ({command}) failed with exit code {proc.returncode}" + (f": {last[:300]}" if last else ""))
    return stdout[:MAX_OUTPUT_BYTES].decode(errors="replace")


def _kill_group(pgid):
    """SIGKILL every process left in the process group `pgid` (the reviewer's own session)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def parse_verdict(text, rubric, request=None):
    """The reviewer's output -> Verdict: a JSON object (bare, or in a ```json fence) with a score from
    0 to MAX_SCORE and a sentence for every rubric item, and an overall sentence. ReviewError otherwise:
    never a partial verdict, and never the request's own template (an answer that echoes `request`)."""
    if request and request.splitlines()[0] in text:
        raise ReviewError(REPEATED)
    data = _find_verdict(text)
    if not isinstance(data, dict) or set(data) != {"items", "overall"} or not isinstance(data["items"], list):
        raise ReviewError('the reviewer\'s answer is not a JSON object with exactly "items" and "overall"')
    wanted = [item["id"] for item in rubric]
    scores = {}
    for entry in data["items"]:
        if not (isinstance(entry, dict) and set(entry) == {"id", "score", "comment"}):
            raise ReviewError('each item of the answer needs exactly "id", "score" and "comment"')
        if entry["id"] not in wanted or entry["id"] in scores:
            raise ReviewError(f"the answer scores {str(entry['id'])[:40]!r}, which is not a rubric item or comes twice")
        score = entry["score"]
        if not (isinstance(score, int) and not isinstance(score, bool) and 0 <= score <= MAX_SCORE):
            raise ReviewError(f"the score of {entry['id']!r} is {str(score)[:20]}; expected a whole number from 0 to {MAX_SCORE}")
        scores[entry["id"]] = (score, _sentence(entry["comment"], entry["id"]))
    missing = [i for i in wanted if i not in scores]
    if missing:
        raise ReviewError(f"the answer does not score {', '.join(missing)}")
    return Verdict({i: scores[i] for i in wanted}, _sentence(data["overall"], "overall"))


def _sentence(value, what):
    if not (isinstance(value, str) and value.strip()):
        raise ReviewError(f"the comment for {what!r} is not a sentence")
    return printable(" ".join(value.split()))[:MAX_SENTENCE_CHARS]


def _find_verdict(text):
    """The answer's verdict: the last JSON object in `text` that is not the request's template (one
    shaped like a verdict, if any is). ReviewError when there is none, or only the template."""
    objects = [value for value in _json_objects(text) if isinstance(value, dict)]
    if not objects:
        raise ReviewError("the reviewer's answer contains no JSON object")
    answers = [value for value in objects if not _is_template(value)]
    if not answers:
        raise ReviewError(REPEATED)
    shaped = [value for value in answers if "items" in value or "overall" in value]
    return (shaped or answers)[-1]


def _json_objects(text):
    """Every top-level JSON value that starts with `{` in `text` (bare, fenced or among prose)."""
    decoder, found = json.JSONDecoder(), []
    start = text.find("{")
    for _ in range(MAX_JSON_STARTS):
        if start == -1:
            break
        try:
            value, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):  # not JSON from here, or nested too deep to be a verdict
            start = text.find("{", start + 1)
            continue
        found.append(value)
        start = text.find("{", end)
    return found


def _is_template(value):
    """Whether a JSON object still holds the template's placeholder as a comment or the overall sentence."""
    items = value.get("items") if isinstance(value.get("items"), list) else []
    texts = [value.get("overall"), *(item.get("comment") for item in items if isinstance(item, dict))]
    return any(isinstance(t, str) and " ".join(t.split()).strip(" .").lower() == PLACEHOLDER for t in texts)


def render_table(rubric, verdict):
    """The verdict as a terminal table: item, score, sentence; then the total and the overall sentence."""
    width = max(len(item["title"]) for item in rubric)
    lines = [f"{'rubric item':<{width}}  score  comment"]
    for item in rubric:
        score, comment = verdict.scores[item["id"]]
        lines.append(f"{item['title']:<{width}}  {score}/{MAX_SCORE}    {comment}")
    lines += ["", f"total {verdict.total()}/{MAX_SCORE * len(rubric)}: {verdict.overall}",
              "(advisory: the hidden tests alone decide pass or fail)"]
    return "\n".join(lines)


def render_markdown(kata, rubric, verdict):
    rows = [f"### {kata.id}: {verdict.total()}/{MAX_SCORE * len(rubric)}", "", "| Rubric item | Score | Comment |",
            "| :-- | :-: | :-- |"]
    for item in rubric:
        score, comment = verdict.scores[item["id"]]
        rows.append(f"| {item['title']} | {score}/{MAX_SCORE} | {_cell(comment)} |")
    rows += ["", f"_{_cell(verdict.overall)}_", ""]
    return "\n".join(rows)


def _cell(text):
    return re.sub(r"[|`<>\[\]*_#\\\\]", " ", text)


def review(args, katas):
    """The `review` command: -> 0 with a verdict (or a printed request), 1 when no verdict could be had."""
    from graders.grade import grade
    from graders.repo import Paths, chosen_attempt, nox_command
    from graders.sandbox import detect
    from graders.session import Spawner

    paths = Paths(args.root)
    attempt = chosen_attempt(args, katas, paths)
    kata = attempt.kata
    solution = Path(args.solution or attempt.solution_path)
    shown = paths.shown(solution)
    if not solution.is_file():
        print(f"{shown} does not exist" + ("" if args.solution else f": start the kata first ({nox_command('start', kata.id)})"))
        return 1
    own_rubric = attempt.folder / "rubric.yaml"  # a level may have its own; else the kata's
    try:
        rubric = load_rubric(own_rubric if own_rubric.is_file() else paths.kata_dir(kata.id) / "rubric.yaml")
        source = solution.read_text(encoding="utf-8")
    except (ReviewError, OSError, UnicodeDecodeError) as e:
        print(f"error: {e}")
        return 1
    again = nox_command("review", *attempt.command_args())
    if attempt.starter_path.is_file() and source.strip() == attempt.starter_path.read_text(encoding="utf-8").strip():
        print(f"{shown} is still the starter: write your solution first (the problem: "
              f"{paths.shown(attempt.prompt_path)}), then {again}")
        return 1
    result = _last_result(attempt, solution)
    if result is None:
        spawner = Spawner(detect("auto"), warm=False)
        try:
            result = grade(kata, paths, solution, spawner=spawner, framework=attempt.framework,
                           level=attempt.level).to_json()
        finally:
            spawner.close()
    if result["status"] == "not_attempted":
        print(f"{shown} has no function written yet (each still raises NotImplementedError): write your "
              f"solution first, then {again}")
        return 1
    levels = None if attempt.level is not None or args.solution else level_grades(attempt)
    request = build_request(kata, rubric, attempt.prompt_path.read_text(encoding="utf-8"),
                            source, result, latest_answers(paths, kata.id), levels, attempt.level)
    command = os.environ.get("KATA_REVIEWER", "").strip()
    if args.print_request or not command:
        print(request)
        if not command and not args.print_request:
            print("No reviewer is configured: paste the request above into any chat, or set KATA_REVIEWER to a "
                  "command that reads it on stdin and prints the answer, e.g.\n"
                  "  export KATA_REVIEWER='llm -m gpt-4o-mini'      # https://llm.datasette.io\n"
                  "then run " + nox_command("review", kata.id))
        return 0
    timeout = float(os.environ.get("KATA_REVIEWER_TIMEOUT", DEFAULT_TIMEOUT_S))
    print(f"Asking the reviewer ({command}) about {kata.id} ...", flush=True)
    started = time.monotonic()
    try:
        verdict = parse_verdict(run_reviewer(command, request, timeout), rubric, request)
    except ReviewError as e:
        print(f"No review: {e}. Nothing was scored. (--print-request shows the request to paste into a chat.)")
        return 1
    print(render_table(rubric, verdict))
    print(f"(reviewed in {time.monotonic() - started:.1f} s)")
    if args.markdown:
        with open(args.markdown, "a", encoding="utf-8") as f:
            f.write(render_markdown(kata, rubric, verdict) + "\n")
    return 0


def level_grades(attempt):
    """A line per level of the attempt's kata with a recorded grade: `logsumexp (Stable logsumexp): passed 9/9`."""
    lines = []
    for level in attempt.levels():
        result = _last_result(level, level.solution_path)
        if result is not None:
            lines.append(f"{level.level.id} ({level.title}): {grade_summary(result)}")
    return lines


def _last_result(attempt, solution):
    """The last recorded grade of `solution` (validated), if it is the attempt's file, unchanged since."""
    from graders.scoreboard import Invalid, read_json, validate_result

    record = attempt.paths.last_result(attempt.key)
    try:
        if Path(solution).resolve() != attempt.solution_path.resolve() or record.stat().st_mtime < Path(solution).stat().st_mtime:
            return None
        data = read_json(record)
        validate_result(data, attempt.kata, key=attempt.key)
        return data
    except (OSError, Invalid):
        return None
