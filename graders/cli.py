"""The commands behind `python -m graders`: each takes the parsed args and the manifest, returns an exit code."""

import shutil
import time

from graders.grade import grade as grade_kata, write_json
from graders.progress import DAY_S, ProgressError, ProgressStore
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
    fresh_seed = getattr(args, "fresh_inputs", None)  # `interview` grades with args of its own
    if fresh_seed is not None:
        reporter.print(f"fresh inputs: every seeded test also runs on inputs from seed {fresh_seed} "
                       f"(replay: --fresh-inputs={fresh_seed})")
    store = None if args.solution else load_progress(paths, reporter)  # --solution: not the learner's attempt
    results = []
    spawner = Spawner(sandbox, warm=len(ids) > 1)  # the next kata's worker warms up during this one
    try:
        for kata_id in ids:
            results.append(_grade_one(args, katas[kata_id], paths, reporter, spawner, store, fresh_seed))
    finally:
        spawner.close()
    if store is not None:
        save_progress(store, reporter)
        if len(results) == 1 and results[0].status == "passed":
            reporter.print(next_steps(katas[ids[0]], store, katas, paths))
    if len(results) > 1:
        from graders.scoreboard import board_from_results, render_terminal
        reporter.print(render_terminal(board_from_results(results, katas, ready_katas(katas, paths)),
                                       paint=reporter.paint))
    return 0 if all(r.status == "passed" for r in results) else 1


def _grade_one(args, kata, paths, reporter, spawner, store, fresh_seed):
    """Grade one kata with its report streamed; record it; write its JSON where asked."""
    solution = args.solution or paths.solution(kata.id)
    reporter.kata_header(kata, solution)
    result = grade_kata(kata, paths, solution, on_result=reporter.test_line, spawner=spawner,
                        fresh_seed=fresh_seed)
    reporter.summary(result)
    if store is not None:
        store.graded(kata.id, result, time.time(), kata.minutes)
        _write(result, paths.last_result(kata.id), reporter, "for `nox -s scoreboard`")
    for target in filter(None, (args.json, args.results_dir and args.results_dir / f"{kata.id}.json")):
        _write(result, target, reporter)
    return result


def _write(result, path, reporter, purpose=""):
    """Write a result's JSON; a file error is one line, and the grade keeps its own exit code."""
    try:
        write_json(result, path)
    except OSError as e:
        reporter.print(f"could not write {path}{' ' + purpose if purpose else ''}: {e.strerror or e}")


def load_progress(paths, reporter):
    store = ProgressStore.load(paths.progress_file, time.time())
    if store.warning:
        reporter.print(f"warning: {store.warning}")
    return store


def save_progress(store, reporter):
    try:
        store.save()
    except ProgressError as e:
        reporter.print(f"(your progress was not recorded: {e})")


def next_steps(kata, store, katas, paths):
    """After a full pass: the time against the kata's minutes, and the next kata due."""
    record = store.kata(kata.id)
    solve = record.solves[-1] if record.solves and record.latest() and record.solves[-1]["at"] == record.latest()["at"] else None
    lines = []
    if solve:
        verdict = "inside" if solve["seconds"] <= kata.minutes * 60 else "over"
        hints = f", with {solve['hints']} hint(s)" if solve["hints"] else ""
        lines.append(f"Solved in {clock(solve['seconds'])}{hints}: {verdict} the interview's {kata.minutes} minutes "
                     f"(best {clock(record.best_seconds())}). It comes back {due_words(record.due, time.time())}.")
    else:
        lines.append("Passed. (No clock was running: `nox -s start -- KATA --fresh` times a from-scratch attempt.)")
    due = next_due_kata(store, katas, ready_katas(katas, paths), time.time(), exclude=kata.id)
    if due:
        lines.append(f"Next: {due} (nox -s drill), or write the follow-ups: nox -s interview -- {kata.id}")
    return "\n".join(lines)


def start(args, katas):
    paths = Paths(args.root)
    check_kata_ids([args.kata], katas, paths)
    starter, target = paths.kata_dir(args.kata) / "starter.py", paths.solution(args.kata)
    prompt = paths.kata_dir(args.kata) / "prompt.md"
    fresh = args.fresh or args.force
    kata = katas[args.kata]
    if target.exists() and not fresh:
        print(f"{target.relative_to(paths.root)} already exists: that is your attempt, left as it is.\n"
              f"The problem:  {prompt.relative_to(paths.root)}\n"
              f"Grade it:     nox -s grade -- {args.kata}\n"
              f"To rewrite it from scratch (your attempt is archived first): nox -s start -- {args.kata} --fresh")
        return 0
    if target.exists():
        archived = paths.history(args.kata, time.strftime("%Y%m%d-%H%M%S"))
        archived.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, archived)
        print(f"Archived your previous attempt as {archived.relative_to(paths.root)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(starter, target)
    store = load_progress(paths, Reporter())
    store.started(args.kata, time.time(), restart=True)
    save_progress(store, Reporter())
    print(f"Wrote {target.relative_to(paths.root)}: {kata.title}. The clock is running: "
          f"{kata.minutes} minutes in an interview.\n"
          f"The problem:  {prompt.relative_to(paths.root)}\n"
          f"Grade it:     nox -s grade -- {args.kata}      (stuck? nox -s hint -- {args.kata})")
    return 0


def list(args, katas):  # noqa: A001 - the subcommand's name
    """Every kata with its latest and best grade, the best time against the target, and when it is due."""
    paths = Paths(args.root)
    reporter = Reporter()
    store = load_progress(paths, reporter)
    ready = set(ready_katas(katas, paths))
    now = time.time()
    rows = [("kata", "asked", "level", "target", "latest", "best", "best time", "due", "where")]
    for kata in katas.values():
        where = ", ".join(kata.companies)
        if kata.id not in ready:
            rows.append((kata.id, "*" * kata.stars, kata.difficulty, f"{kata.minutes} min", "coming soon", "", "", "",
                         where))
            continue
        record = store.katas.get(kata.id)
        rows.append((kata.id, "*" * kata.stars, kata.difficulty, f"{kata.minutes} min",
                     latest_words(paths, kata.id, record), best_words(record), best_time_words(record, kata),
                     due_words(record.due, now) if record and record.due else "", where))
    print(table(rows, shutil.get_terminal_size((100, 24)).columns, drop_order=(2, 6, 7, 5)))  # level, times, due, best
    return 0


def latest_words(paths, kata_id, record):
    solution = paths.solution(kata_id)
    if not solution.is_file():
        return "not started"
    latest = record.latest() if record else None
    if latest is None:
        return "started"
    stale = " *" if solution.stat().st_mtime > latest["at"] else ""  # edited since
    return f"{latest['status'].replace('_', ' ')} {latest['passed']}/{latest['total']}{stale}"


def best_words(record):
    best = record.best() if record else None
    if best is None:
        return ""
    return "passed" if best["status"] == "passed" else f"{best['passed']}/{best['total']}"


def best_time_words(record, kata):
    seconds = record.best_seconds() if record else None
    return "" if seconds is None else f"{clock(seconds)}{' ok' if seconds <= kata.minutes * 60 else ' slow'}"


def clock(seconds):
    """12:05 for minutes and seconds; 1:02:03 past an hour."""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def due_words(due, now):
    if due is None:
        return ""
    days = (due - now) / DAY_S
    if days <= 0:
        return "now"
    return "tomorrow" if days <= 1.5 else f"in {days:.0f} days"


def next_due_kata(store, katas, ready, now, exclude=None):
    """The kata to practise next (graders/drill.py's choice), or None."""
    from graders.drill import pick

    choice = pick(store, [katas[k] for k in ready if k != exclude], now)
    return choice.id if choice else None


def table(rows, width, drop_order=()):
    """Rows of cells as aligned columns fitting `width`: the last column is cut to fit, or dropped,
    and then the columns of `drop_order` (indices), in that order, until it fits."""
    keep = [*range(len(rows[0]))]
    drop = [len(rows[0]) - 1, *drop_order]
    while True:
        widths = {i: max(len(r[i]) for r in rows) for i in keep}
        room = width - sum(widths[i] + 2 for i in keep[:-1])   # what the last column may use
        if room >= min(widths[keep[-1]], 12) or not drop:
            break
        keep.remove(drop.pop(0))
    last = keep[-1]
    cut = lambda text: text if len(text) <= room else text[:max(0, room - 3)] + "..."  # noqa: E731
    return "\n".join("  ".join(cut(r[i]) if i == last else r[i].ljust(widths[i]) for i in keep).rstrip()
                     for r in rows)


def bench(args, katas):
    from graders.bench import run_bench
    return run_bench(args, katas, Paths(args.root))


def bank(args, katas):
    from graders.bank import run_bank
    return run_bank(args, katas, Paths(args.root))


def scoreboard(args, katas):
    from graders.scoreboard import run_scoreboard
    return run_scoreboard(args, katas, Paths(args.root))
