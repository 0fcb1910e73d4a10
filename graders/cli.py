"""The commands behind `python -m graders`: each takes the parsed args and the manifest, returns an exit code."""

import shutil
import time
from contextlib import contextmanager

from graders.grade import GraderError, grade as grade_kata, grader_failure, write_json
from graders.progress import DAY_S, ProgressError, ProgressStore
from graders.repo import (FORWARDERS, FRAMEWORK_LABELS, Paths, UsageError, attempt_of, attempts_of, check_kata_ids, nox_command,
                          ready_katas)
from graders.report import LABELS, Reporter, cut, fill, terminal_width
from graders.sandbox import detect
from graders.session import Spawner

PASSING = ("passed", "not_attempted")  # statuses that exit 0: an untouched starter is not a failure


def grade(args, katas):
    paths = Paths(args.root)
    ids = args.katas or [k for k in ready_katas(katas, paths) if attempted(katas[k], paths)]
    check_kata_ids(ids, katas, paths)
    attempts = [a for k in ids for a in attempts_to_grade(katas[k], paths, args)]
    if (args.solution or args.json) and len(attempts) != 1:
        raise UsageError("--solution and --json take exactly one kata (and one attempt of it: --torch for the PyTorch one)")
    if args.solution and not args.solution.is_file():
        raise UsageError(f"no solution file at {args.solution}")
    reporter = Reporter()
    if not args.katas:
        for stray in strays(katas, paths):
            reporter.print(f"{paths.shown(stray)} is not an attempt at a kata (solutions/<kata>.py, or "
                           "<kata>_torch.py for a kata with a PyTorch version): not graded")
    if not ids:
        print(f"Nothing to grade: solutions/ has no attempts yet. Start one with: {nox_command('start', 'attention')}")
        return 0
    sandbox = detect(args.sandbox)
    if not sandbox.enabled:
        reporter.print(sandbox.note())
    fresh_seed = getattr(args, "fresh_inputs", None)  # `interview` grades with args of its own
    if fresh_seed is not None:
        reporter.print(f"fresh inputs: every seeded test also runs on inputs from seed {fresh_seed} "
                       f"(replay: --fresh-inputs={fresh_seed})")
    record = args.solution is None  # --solution: not the learner's attempt
    results = []
    spawner = Spawner(sandbox, warm=len(attempts) > 1)  # the next attempt's worker warms up during this one
    try:
        for attempt in attempts:
            results.append(_grade_one(args, attempt, reporter, spawner, record, fresh_seed))
    finally:
        spawner.close()
    if record and len(results) == 1 and results[0].status == "passed":
        reporter.print(next_steps(attempts[0].kata, load_progress(paths, reporter), katas, paths,
                                  getattr(args, "interview_s", None), key=attempts[0].key))
    if len(results) > 1:
        from graders.scoreboard import board_from_results, render_terminal
        reporter.print(render_terminal(board_from_results(results, katas, ready_katas(katas, paths)),
                                       paint=reporter.paint))
    return 0 if all(r.status in PASSING for r in results) else 1


def strays(katas, paths):
    """The solutions/*.py files that are no attempt's file (their stem is no attempt's key) and no forwarder."""
    keys = {a.key for kata in katas.values() for a in attempts_of(kata, paths)}
    return sorted(p for p in (paths.root / "solutions").glob("*.py") if p.stem not in keys and p.name not in FORWARDERS)


def attempted(kata, paths):
    """Whether solutions/ holds an attempt at `kata`, in any of its frameworks."""
    return any(a.solution_path.is_file() for a in attempts_of(kata, paths))


def attempts_to_grade(kata, paths, args):
    """The attempts `grade KATA` grades: with --torch the PyTorch one; with --solution or --json (one
    file) the first framework's; else every one whose file exists (the first framework's when none
    does, to say how to start)."""
    if getattr(args, "torch", False) or args.solution or args.json:
        return [attempt_of(kata, "torch" if getattr(args, "torch", False) else None, paths)]
    existing = [a for a in attempts_of(kata, paths) if a.solution_path.is_file()]
    return existing or [attempt_of(kata, None, paths)]


def _grade_one(args, attempt, reporter, spawner, record, fresh_seed=None):
    """Grade one attempt with its report streamed; record it under its key (`record`: in the progress,
    and as the last result); write its JSON where asked."""
    kata, paths = attempt.kata, attempt.paths
    solution = args.solution or attempt.solution_path
    several = len(attempts_of(kata, paths)) > 1
    reporter.kata_header(kata, paths.shown(solution), FRAMEWORK_LABELS[attempt.framework] if several else "")
    try:
        result = grade_kata(kata, paths, solution, on_result=reporter.test_line, spawner=spawner,
                            framework=attempt.framework, fresh_seed=fresh_seed)
    except GraderError as e:  # this kata could not be graded: say so in its result, and go on to the next
        result = grader_failure(kata, e, spawner.sandbox, attempt.key)
    reporter.summary(result)
    if record:
        with recording(paths, reporter) as store:
            store.graded(attempt.key, result, time.time(), kata.minutes)
        _write(result, paths.last_result(attempt.key), reporter, f"for `{nox_command('scoreboard')}`")
    for target in filter(None, (args.json, args.results_dir and args.results_dir / f"{attempt.key}.json")):
        _write(result, target, reporter)
    return result


def _write(result, path, reporter, purpose=""):
    """Write a result's JSON; a file error is one line, and the grade keeps its own exit code."""
    try:
        write_json(result, path)
    except OSError as e:
        reporter.print(f"could not write {path}{' ' + purpose if purpose else ''}: {e.strerror or e}")


def load_progress(paths, reporter):
    """A snapshot of the learner's progress, to read (a warning if the file was unreadable)."""
    store = ProgressStore.load(paths.progress_file, time.time())
    if store.warning:
        reporter.print(f"warning: {store.warning}")
    return store


@contextmanager
def recording(paths, reporter):
    """`with recording(paths, reporter) as store:` one change to the learner's progress, under its lock
    (keep the block short) and saved at its end. A warning, or a file that cannot be written, is one
    line: never an exception."""
    try:
        with ProgressStore.update(paths.progress_file, time.time()) as store:
            if store.warning:
                reporter.print(f"warning: {store.warning}")
            yield store
    except ProgressError as e:
        reporter.print(f"(your progress was not recorded: {e})")


def next_steps(kata, store, katas, paths, interview_s=None, key=None):
    """After a full pass: the time against the kata's minutes (a mock interview's: against its own time),
    and the next kata due (not inside a mock interview, whose follow-ups come next); wrapped to the
    terminal's width."""
    record = store.kata(key or kata.id)
    solve = record.solves[-1] if record.solves and record.latest() and record.solves[-1]["at"] == record.latest()["at"] else None
    lines = []
    if solve:
        allowed = (kata.minutes * 60, f"the interview's {kata.minutes} minutes") if interview_s is None else (
            interview_s, f"this mock interview's {clock(interview_s)}")
        verdict = "inside" if solve["seconds"] <= allowed[0] else "over"
        hints = f", with {solve['hints']} hint(s)" if solve["hints"] else ""
        lines.append(f"Solved in {clock(solve['seconds'])}{hints}: {verdict} {allowed[1]} "
                     f"(best {clock(record.best_seconds())}). It comes back {due_words(record.due, time.time())}.")
    else:
        fresh = nox_command("start", kata.id, *(["--torch"] if key and key != kata.id else []), "--fresh")
        lines.append(f"Passed. (No clock was running: `{fresh}` times a from-scratch attempt.)")
    due = next_due_kata(store, katas, ready_katas(katas, paths), time.time(), exclude=kata.id)
    if due and interview_s is None:
        lines.append(f"Next: {due} ({nox_command('drill')}), "
                     f"or write the follow-ups: {nox_command('interview', kata.id)}")
    return "\n".join(fill(line, terminal_width()) for line in lines)


def start(args, katas):
    paths = Paths(args.root)
    check_kata_ids([args.kata], katas, paths)
    attempt = attempt_of(katas[args.kata], "torch" if getattr(args, "torch", False) else None, paths)
    starter, target = attempt.starter_path, attempt.solution_path
    again = [args.kata, *(["--torch"] if getattr(args, "torch", False) else [])]
    prompt = attempt.prompt_path
    fresh = args.fresh or args.force
    kata = katas[args.kata]
    if target.exists() and not fresh:
        print(f"{target.relative_to(paths.root)} already exists: that is your attempt, left as it is.\n"
              f"The problem:  {prompt.relative_to(paths.root)}\n"
              f"Grade it:     {nox_command('grade', args.kata)}\n"
              f"To rewrite it from scratch (your attempt is archived first): "
              f"{nox_command('start', *again, '--fresh')}")
        return 0
    if target.exists():
        archived = paths.history(attempt.key, time.strftime("%Y%m%d-%H%M%S"))
        archived.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, archived)
        print(f"Archived your previous attempt as {archived.relative_to(paths.root)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(starter, target)
    with recording(paths, Reporter()) as store:
        store.started(attempt.key, time.time(), restart=True)
    allowed = getattr(args, "minutes", None)  # a mock interview's own time (`interview --minutes`)
    limit = f"{clock(allowed * 60)} in this mock interview" if allowed else f"{kata.minutes} minutes in an interview"
    framework = f", in {FRAMEWORK_LABELS[attempt.framework]}" if len(attempts_of(kata, paths)) > 1 else ""
    print(f"Wrote {target.relative_to(paths.root)}: {kata.title}{framework}. The clock is running: {limit}.\n"
          f"The problem:  {prompt.relative_to(paths.root)}\n"
          f"Grade it:     {nox_command('grade', args.kata)}      (stuck? {nox_command('hint', args.kata)})")
    return 0


def list(args, katas):  # noqa: A001 - the subcommand's name
    """Every kata with its latest and best grade, the best time against the target, and when it is due."""
    paths = Paths(args.root)
    reporter = Reporter()
    store = load_progress(paths, reporter)
    ready = set(ready_katas(katas, paths))
    now = time.time()
    rows, statuses = [("kata", "asked", "level", "target", "latest", "best", "best time", "due", "where")], [None]
    for kata in katas.values():
        where = ", ".join(kata.companies)
        if kata.id not in ready:
            rows.append((kata.id, "*" * kata.stars, kata.difficulty, f"{kata.minutes} min", "coming soon", "", "", "",
                         where))
            statuses.append(None)
            continue
        for attempt in attempts_of(kata, paths):  # a row per framework: passed in NumPy is not passed in PyTorch
            record = store.katas.get(attempt.key)
            latest, status = latest_words(paths, attempt.key, record)
            rows.append((attempt.label, "*" * kata.stars, kata.difficulty, f"{kata.minutes} min", latest,
                         best_words(record), best_time_words(record, kata),
                         due_words(record.due, now) if record and record.due else "", where))
            statuses.append(status)

    def paint_latest(row, column, text):
        return reporter.paint(text, statuses[row]) if column == 4 and statuses[row] in LABELS else text

    print(table(rows, reporter.width, drop_order=LIST_DROP_ORDER, style=paint_latest))
    print(fill(LIST_LEGEND, reporter.width))
    return 0


LIST_DROP_ORDER = (2, 1, 5, 3, 6, 4)  # after `where`: level, asked, best, target, best time, latest (due stays)
LIST_LEGEND = ("asked: how often interviews ask it (* to *****); latest: your last grade (edited: the file changed "
               "since), or in progress after a start; best time: from `start` to a full pass, ok inside the target; "
               "due: when to drill it again (the drill session).")


def latest_words(paths, key, record):
    """(the latest column's words, the status they show or None): "in progress" from a start until the
    attempt's first grade; the grade after it."""
    solution = paths.solution(key)  # key: an attempt's (softmax, softmax_torch)
    if not solution.is_file():
        return "not started", None
    latest = record.latest() if record else None
    if record and record.clock_started is not None and (latest is None or record.clock_started >= latest["at"]):
        return "in progress", None
    if latest is None:
        return "started", None
    edited = ", edited" if solution.stat().st_mtime > latest["at"] else ""
    return f"{latest['status'].replace('_', ' ')} {latest['passed']}/{latest['total']}{edited}", latest["status"]


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


def table(rows, width, drop_order=(), style=None):
    """Rows of cells as aligned columns fitting `width`: the last column is cut to fit, or dropped,
    and then the columns of `drop_order` (indices), in that order, until it fits. `style(row, column,
    padded_text)` may colour a cell after it is aligned."""
    keep = [*range(len(rows[0]))]
    drop = [len(rows[0]) - 1, *drop_order]
    while True:
        widths = {i: max(len(r[i]) for r in rows) for i in keep}
        room = width - sum(widths[i] + 2 for i in keep[:-1])   # what the last column may use
        if room >= min(widths[keep[-1]], 12) or not drop:
            break
        keep.remove(drop.pop(0))
    last = keep[-1]
    style = style or (lambda row, column, text: text)
    return "\n".join("  ".join(style(n, i, cut(r[i], room) if i == last else r[i].ljust(widths[i])) for i in keep).rstrip()
                     for n, r in enumerate(rows))


def bench(args, katas):
    from graders.bench import run_bench
    return run_bench(args, katas, Paths(args.root))


def bank(args, katas):
    from graders.bank import run_bank
    return run_bank(args, katas, Paths(args.root))


def scoreboard(args, katas):
    from graders.scoreboard import run_scoreboard
    return run_scoreboard(args, katas, Paths(args.root))
