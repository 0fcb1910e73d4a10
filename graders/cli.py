"""The commands behind `python -m graders`: each takes the parsed args and the manifest, returns an exit code."""

import json
import shutil
import time

from graders.grade import KATA_STATUSES, grade as grade_kata, write_json
from graders.repo import Paths, UsageError, check_kata_ids, ready_katas
from graders.report import Reporter
from graders.sandbox import detect
from graders.session import Spawner


def grade(args, katas):
    paths = Paths(args.root)
    ids = args.katas or [k for k in ready_katas(katas, paths) if paths.solution(k).is_file()]
    check_kata_ids(ids, katas, paths)
    if (args.solution or args.json) and len(ids) != 1:
        raise UsageError("--solution and --json take exactly one kata")
    if args.solution and not args.solution.is_file():
        raise UsageError(f"no solution file at {args.solution}")
    if not ids:
        print("Nothing to grade: solutions/ has no attempts yet. Start one with: nox -s start -- attention")
        return 0
    reporter = Reporter()
    sandbox = detect(args.sandbox)
    if not sandbox.enabled:
        reporter.print(sandbox.note())
    results = []
    spawner = Spawner(sandbox, warm=len(ids) > 1)  # the next kata's worker warms up during this one
    try:
        for kata_id in ids:
            results.append(_grade_one(args, katas[kata_id], paths, reporter, spawner))
    finally:
        spawner.close()
    if len(results) > 1:
        from graders.scoreboard import board_from_results, render_terminal
        reporter.print(render_terminal(board_from_results(results, katas), paint=reporter.paint))
    return 0 if all(r.status == "passed" for r in results) else 1


def _grade_one(args, kata, paths, reporter, spawner):
    """Grade one kata with its report streamed, and write its JSON where asked."""
    solution = args.solution or paths.solution(kata.id)
    reporter.kata_header(kata, solution)
    result = grade_kata(kata, paths, solution, on_result=reporter.test_line, spawner=spawner)
    reporter.summary(result)
    if args.solution is None:
        try:
            write_json(result, paths.progress(kata.id))  # what `list` shows
        except OSError as e:
            reporter.print(f"(could not record this grade for `nox -s list`: {e})")
    if args.json:
        write_json(result, args.json)
    if args.results_dir:
        write_json(result, args.results_dir / f"{kata.id}.json")
    return result


def start(args, katas):
    paths = Paths(args.root)
    check_kata_ids([args.kata], katas, paths)
    starter, target = paths.kata_dir(args.kata) / "starter.py", paths.solution(args.kata)
    prompt = paths.kata_dir(args.kata) / "prompt.md"
    if target.exists():
        if not args.force:
            print(f"{target.relative_to(paths.root)} already exists: that is your attempt, left as it is.\n"
                  f"To start over from the starter (your attempt is backed up first): nox -s start -- {args.kata} --force")
            return 1
        backup = paths.root / "solutions" / ".backup" / f"{args.kata}-{time.strftime('%Y%m%d-%H%M%S')}.py"
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, backup)
        print(f"Backed up your previous attempt to {backup.relative_to(paths.root)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(starter, target)
    kata = katas[args.kata]
    print(f"Wrote {target.relative_to(paths.root)}: {kata.title}, {kata.minutes} minutes in an interview.\n"
          f"The problem:  {prompt.relative_to(paths.root)}\n"
          f"Grade it:     nox -s grade -- {args.kata}")
    return 0


def read_progress(paths, kata_id):
    """The last grade of the learner's solution as 'passed 12/12', or why there is none."""
    solution, record = paths.solution(kata_id), paths.progress(kata_id)
    if not solution.is_file():
        return "not started"
    if not record.is_file():
        return "started, not graded"
    try:
        data = json.loads(record.read_text())
        status, passed, total = data["status"], data["passed"], data["total"]
        if status not in KATA_STATUSES or not all(isinstance(n, int) for n in (passed, total)):
            raise ValueError
    except (ValueError, KeyError, TypeError, OSError):
        return f"unreadable record in {record.relative_to(paths.root)}; grade again"
    stale = " (changed since)" if solution.stat().st_mtime > record.stat().st_mtime else ""
    return f"{status.replace('_', ' ')} {passed}/{total}{stale}"


def list(args, katas):  # noqa: A001 - the subcommand's name
    paths = Paths(args.root)
    ready = set(ready_katas(katas, paths))
    rows = [("kata", "stars", "level", "min", "companies", "your status")]
    for kata in katas.values():
        status = read_progress(paths, kata.id) if kata.id in ready else "coming soon"
        companies = ", ".join(kata.companies)
        rows.append((kata.id, "*" * kata.stars, kata.difficulty, str(kata.minutes),
                     companies if len(companies) <= 40 else companies[:37] + "...", status))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


def bench(args, katas):
    from graders.bench import run_bench
    return run_bench(args, katas, Paths(args.root))


def bank(args, katas):
    from graders.bank import run_bank
    return run_bank(args, katas, Paths(args.root))


def scoreboard(args, katas):
    from graders.scoreboard import run_scoreboard
    return run_scoreboard(args, katas, Paths(args.root))
