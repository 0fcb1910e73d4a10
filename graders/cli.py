"""The commands behind `python -m graders`: each takes the parsed args and the manifest, returns an exit code."""

import shutil
import time
from contextlib import contextmanager

from graders.grade import GraderError, grade as grade_kata, grader_failure, write_json
from graders.progress import DAY_S, ProgressError, ProgressStore
from graders.repo import (FORWARDERS, FRAMEWORK_LABELS, Attempt, Paths, UsageError, attempt_of, attempts_of, check_kata_ids,
                          chosen_attempt, defines_any, file_stem, nox_command, ready_katas, split_target)
from graders.report import LABELS, Reporter, cut, fill, terminal_width
from graders.sandbox import detect
from graders.session import Spawner

PASSING = ("passed", "not_attempted")  # statuses that exit 0: an untouched starter is not a failure


def grade(args, katas):
    paths = Paths(args.root)
    ids = args.katas or [k for k in ready_katas(katas, paths) if attempted(katas[k], paths)]
    check_kata_ids(ids, katas, paths)
    named = [a for target in ids for a in attempts_to_grade(target, katas, paths, args)]
    if (args.solution or args.json) and len(named) != 1:
        raise UsageError("--solution and --json take exactly one kata (and one attempt of it: --torch for the PyTorch one)")
    attempts = [a for attempt in named for a in [attempt, *levels_to_grade(attempt, args)]]
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
    graded = dict(zip((a.key for a in attempts), results))
    for attempt in named:
        if attempt.level is None and attempt.kata.levels:
            reporter.print(fill(levels_words(attempt, graded), reporter.width))
    if record and len(named) == 1 and graded[named[0].key].status == "passed":
        reporter.print(next_steps(named[0], load_progress(paths, reporter), katas, paths,
                                  getattr(args, "interview_s", None)))
    if len(named) > 1:
        from graders.scoreboard import board_from_results, render_terminal
        reporter.print(render_terminal(board_from_results(results, katas, ready_katas(katas, paths)),
                                       paint=reporter.paint))
    # the exit code is the named attempts': a level graded because the file defines its functions is
    # reported, never failed on (a helper of the learner's own may share a level's function name)
    return 0 if all(graded[a.key].status in PASSING for a in named) else 1


def strays(katas, paths):
    """The solutions/*.py files that are no attempt's file (a kata's, or a fresh level's) and no forwarder."""
    files = {a.solution_path.name for kata in katas.values() for base in attempts_of(kata, paths)
             for a in [base, *base.levels()]}
    return sorted(p for p in (paths.root / "solutions").glob("*.py") if p.name not in files and p.name not in FORWARDERS)


def attempted(kata, paths):
    """Whether solutions/ holds an attempt at `kata`, in any of its frameworks (or at a fresh-file level of it)."""
    return any(a.solution_path.is_file() for base in attempts_of(kata, paths) for a in [base, *base.levels()])


def attempts_to_grade(target, katas, paths, args):
    """The attempts `grade KATA` (or `grade KATA:LEVEL`) grades: with --torch the PyTorch one; with
    --solution or --json (one file) the first framework's; else every one whose file exists (the
    first framework's when none does, to say how to start)."""
    kata_id, level_id = split_target(target)
    kata = katas[kata_id]
    if getattr(args, "torch", False) or args.solution or args.json:
        bases = [attempt_of(kata, "torch" if getattr(args, "torch", False) else None, paths)]
    else:
        bases = attempts_of(kata, paths)
    chosen = bases if level_id is None else [Attempt(kata, b.framework, paths, kata.level(level_id)) for b in bases]
    if len(chosen) == 1:
        return chosen
    return [a for a in chosen if a.solution_path.is_file()] or chosen[:1]


def levels_to_grade(attempt, args):
    """The levels `grade KATA` grades with the kata: each one the attempt's file defines (a same-file level's
    functions), or whose own file exists (a fresh level); none for one file (--solution, --json)."""
    if attempt.level is not None or args.solution or args.json:
        return []
    return [level for level in attempt.levels() if level.attempted()]


def levels_words(attempt, graded):
    """`softmax levels: 1/2 passed (logsumexp passed; label_smoothing not started: ...)`, from this run's results."""
    words, passed = [], 0
    for level in attempt.levels():
        result = graded.get(level.key)
        if result is None:
            words.append(f"{level.level.id} not started ({nox_command('start', *level.command_args())})")
            continue
        passed += result.status == "passed"
        words.append(f"{level.level.id} {result.status.replace('_', ' ')}"
                     + (f" {result.passed}/{result.total}" if result.status != "passed" and result.total else ""))
    return f"{attempt.label} levels: {passed}/{len(words)} passed ({'; '.join(words)})\n"


def _grade_one(args, attempt, reporter, spawner, record, fresh_seed=None):
    """Grade one attempt with its report streamed; record it under its key (`record`: in the progress,
    and as the last result); write its JSON where asked."""
    kata, paths = attempt.kata, attempt.paths
    solution = args.solution or attempt.solution_path
    several = len(attempts_of(kata, paths)) > 1
    reporter.kata_header(attempt, paths.shown(solution), FRAMEWORK_LABELS[attempt.framework] if several else "")
    try:
        result = grade_kata(kata, paths, solution, on_result=reporter.test_line, spawner=spawner,
                            framework=attempt.framework, fresh_seed=fresh_seed, level=attempt.level)
    except GraderError as e:  # this kata could not be graded: say so in its result, and go on to the next
        result = grader_failure(kata, e, spawner.sandbox, attempt.key)
    reporter.summary(result)
    if record:
        with recording(paths, reporter) as store:
            store.graded(attempt.key, result, time.time(), attempt.minutes)
        _write(result, paths.last_result(attempt.key), reporter, f"for `{nox_command('scoreboard')}`")
    for target in filter(None, (args.json, args.results_dir and args.results_dir / f"{file_stem(attempt.key)}.json")):
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


def next_steps(attempt, store, katas, paths, interview_s=None):
    """After a full pass of an attempt (a kata's or a level's): the time against its minutes (a mock
    interview's: against its own time), then its next level not passed yet, or the next kata due (not
    inside a mock interview, whose follow-ups come next); wrapped to the terminal's width."""
    kata, minutes = attempt.kata, attempt.minutes
    record = store.kata(attempt.key)
    solve = record.solves[-1] if record.solves and record.latest() and record.solves[-1]["at"] == record.latest()["at"] else None
    lines = []
    if solve:
        allowed = (minutes * 60, f"the interview's {minutes} minutes") if interview_s is None else (
            interview_s, f"this mock interview's {clock(interview_s)}")
        verdict = "inside" if solve["seconds"] <= allowed[0] else "over"
        hints = f", with {solve['hints']} hint(s)" if solve["hints"] else ""
        lines.append(f"Solved in {clock(solve['seconds'])}{hints}: {verdict} {allowed[1]} "
                     f"(best {clock(record.best_seconds())}). It comes back {due_words(record.due, time.time())}.")
    else:
        again = nox_command("start", *attempt.command_args(), *([] if attempt.same_file else ["--fresh"]))
        lines.append(f"Passed. (No clock was running: `{again}` times {'the level' if attempt.same_file else 'a from-scratch attempt'}.)")
    level = next((a for a in attempt.base.levels() if not store.kata(a.key).solved() and a.key != attempt.key), None)
    due = next_due_kata(store, katas, ready_katas(katas, paths), time.time(), exclude=kata.id)
    if level and interview_s is None:
        lines.append(f"Next level: {level.title} ({nox_command('start', *level.command_args())})")
    elif due and interview_s is None:
        lines.append(f"Next: {due} ({nox_command('drill')}), "
                     f"or write the follow-ups: {nox_command('interview', kata.id)}")
    return "\n".join(fill(line, terminal_width()) for line in lines)


def start(args, katas):
    paths = Paths(args.root)
    attempt = chosen_attempt(args, katas, paths)  # `kata` or `kata:level`, --torch: the PyTorch attempt
    if attempt.same_file:
        return start_level(args, attempt)
    starter, target = attempt.starter_path, attempt.solution_path
    again = attempt.command_args()
    prompt = attempt.prompt_path
    fresh = args.fresh or args.force
    kata = attempt.kata
    if target.exists() and not fresh:
        print(f"{target.relative_to(paths.root)} already exists: that is your attempt, left as it is.\n"
              f"The problem:  {prompt.relative_to(paths.root)}\n"
              f"Grade it:     {nox_command('grade', attempt.name)}\n"
              f"To rewrite it from scratch (your attempt is archived first): "
              f"{nox_command('start', *again, '--fresh')}")
        return 0
    if target.exists():
        archived = paths.history(file_stem(attempt.key), time.strftime("%Y%m%d-%H%M%S"))
        archived.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, archived)
        print(f"Archived your previous attempt as {archived.relative_to(paths.root)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(starter, target)
    with recording(paths, Reporter()) as store:
        store.started(attempt.key, time.time(), restart=True)
    framework = f", in {FRAMEWORK_LABELS[attempt.framework]}" if len(attempts_of(kata, paths)) > 1 else ""
    print(f"Wrote {target.relative_to(paths.root)}: {attempt.title}{framework}. The clock is running: "
          f"{time_allowed(args, attempt)}.\n"
          f"The problem:  {prompt.relative_to(paths.root)}\n"
          f"Grade it:     {nox_command('grade', attempt.name)}      (stuck? {nox_command('hint', attempt.name)})")
    return 0


def time_allowed(args, attempt):
    allowed = getattr(args, "minutes", None)  # a mock interview's own time (`interview --minutes`)
    return f"{clock(allowed * 60)} in this mock interview" if allowed else f"{attempt.minutes} minutes in an interview"


def start_level(args, attempt):
    """`start KATA:LEVEL` for a level written in the kata's own file: the clock starts, and the level's
    stub (its new functions, raising NotImplementedError) is appended to the file, unless the file
    defines one of them already. Nothing the learner wrote is ever overwritten or removed."""
    paths, target = attempt.paths, attempt.solution_path
    shown = target.relative_to(paths.root)
    if not target.is_file():
        raise UsageError(f"{attempt.name} extends your solution of {attempt.kata.id}, and {shown} does not exist: "
                         f"start the kata first ({nox_command('start', *attempt.base.command_args())})")
    marks = " or ".join(f"`{mark}`" for mark in attempt.level.functions)    # any one marks the level attempted
    every = " and ".join(f"`{mark}`" for mark in attempt.level.functions)   # the level asks for all of them
    if attempt.attempted():
        what = f"{shown} already defines {marks}: that is your attempt at the level, left as it is"
    elif attempt.starter_path.is_file():
        stub = attempt.starter_path.read_text(encoding="utf-8")
        if defines_any(attempt.starter_path, [(name, None) for name in top_level_names(target)]):
            raise UsageError(f"{shown} defines a name the level's stub defines too: add {every} by hand "
                             f"(the problem: {attempt.prompt_path.relative_to(paths.root)})")
        with target.open("a", encoding="utf-8") as f:
            f.write(stub_to_append(target.read_text(encoding="utf-8"), stub, attempt))
        what = f"Appended the stub of {every} to {shown} (the rest of the file is as you left it)"
    else:
        what = f"Add {every} to {shown} (the rest of your solution stays as it is)"
    with recording(paths, Reporter()) as store:
        store.started(attempt.key, time.time(), restart=True)
    print(f"Level {attempt.name}: {attempt.title}. {what}. The clock is running: {time_allowed(args, attempt)}.\n"
          f"The problem:  {attempt.prompt_path.relative_to(paths.root)}   ({nox_command('prompt', *attempt.command_args())})\n"
          f"Grade it:     {nox_command('grade', *attempt.command_args())}")
    return 0


def top_level_names(path):
    """The functions and classes a Python file defines at its top level (none if it does not parse)."""
    import ast

    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    return [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def stub_to_append(source, stub, attempt):
    """The stub as appended to `source`: under a heading comment, without the import lines `source` has already."""
    have = {line.strip() for line in source.splitlines()}
    lines = stub.splitlines()
    while lines and (lines[0].strip() in have and lines[0].startswith(("import ", "from ")) or not lines[0].strip()):
        lines.pop(0)
    gap = "" if source.endswith("\n") or not source else "\n"
    return f"{gap}\n\n# -- Level {attempt.name}: {attempt.title} --\n\n" + "\n".join(lines) + "\n"


def list(args, katas):  # noqa: A001 - the subcommand's name
    """Every kata with its latest and best grade, the best time against the target, and when it is due."""
    paths = Paths(args.root)
    reporter = Reporter()
    store = load_progress(paths, reporter)
    ready = set(ready_katas(katas, paths))
    now = time.time()
    rows, statuses = [("kata", "asked", "difficulty", "target", "latest", "best", "levels", "best time", "due",
                       "where")], [None]
    for kata in katas.values():
        where = ", ".join(kata.companies)
        if kata.id not in ready:
            rows.append((kata.id, "*" * kata.stars, kata.difficulty, f"{kata.minutes} min", "coming soon", "", "", "",
                         "", where))
            statuses.append(None)
            continue
        for attempt in attempts_of(kata, paths):  # a row per framework: passed in NumPy is not passed in PyTorch
            record = store.katas.get(attempt.key)
            latest, status = latest_words(paths, attempt.key, record)
            rows.append((attempt.label, "*" * kata.stars, kata.difficulty, f"{kata.minutes} min", latest,
                         best_words(record), levels_passed(attempt, store), best_time_words(record, kata),
                         due_words(record.due, now) if record and record.due else "", where))
            statuses.append(status)

    def paint_latest(row, column, text):
        return reporter.paint(text, statuses[row]) if column == 4 and statuses[row] in LABELS else text

    print(table(rows, reporter.width, drop_order=LIST_DROP_ORDER, style=paint_latest))
    print(fill(LIST_LEGEND, reporter.width))
    return 0


LIST_DROP_ORDER = (2, 1, 5, 6, 3, 7, 4)  # after `where`: difficulty, asked, best, levels, target, best time, latest
LIST_LEGEND = ("asked: how often interviews ask it (* to *****); latest: your last grade (edited: the file changed "
               "since), or in progress after a start; levels: the graded follow-ups passed (kata:level); best time: "
               "from `start` to a full pass, ok inside the target; due: when to drill it again (the drill session).")


def levels_passed(attempt, store):
    """"1/2": how many of the kata's levels this attempt has passed at least once ("" for a kata with none)."""
    levels = attempt.levels()
    if not levels:
        return ""
    return f"{sum(bool(store.katas.get(a.key) and store.katas[a.key].solved()) for a in levels)}/{len(levels)}"


def latest_words(paths, key, record):
    """(the latest column's words, the status they show or None): "in progress" from a start until the
    attempt's first grade; the grade after it."""
    solution = paths.solution(key)  # key: a kata's attempt (softmax, softmax_torch)
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
    """Rows of cells as aligned columns fitting `width`: the columns with no cell below their header are
    dropped, then the last column is cut to fit, or dropped, and then the columns of `drop_order`
    (indices), in that order, until it fits. `style(row, column,
    padded_text)` may colour a cell after it is aligned."""
    keep = [*range(len(rows[0]))]
    empty = [i for i in keep if not any(r[i] for r in rows[1:])]   # a column of a header only goes first
    drop = [*empty, *(i for i in (len(rows[0]) - 1, *drop_order) if i not in empty)]
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
