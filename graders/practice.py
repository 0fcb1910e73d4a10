"""The drill loop's commands: hint, reveal, drill, interview, progress. Each takes the parsed args
and the manifest and returns an exit code; the progress store (graders/progress.py) records it all.

    hint KATA              one more hint per call (katas/<id>/hints.md), each recorded
    reveal KATA            the reference, after a full pass or with --give-up (recorded)
    drill                  the next kata by spaced repetition, started fresh
    interview [KATA]       a mock round: countdown, grade, a graded follow-up (a level) with its own
                           countdown, then the open follow-up questions one at a time
    progress               per kata: best time against the target, and the trend of the last attempts

Each takes a level as well (`hint softmax:logsumexp`): a level is an attempt of its own.
"""

import itertools
import random
import re
import select
import shutil
import sys
import textwrap
import time

from graders.cli import clock, due_words, load_progress, recording, start
from graders.drill import DUE, FAILED, NEVER, pick_attempt, standing
from graders.repo import Paths, attempts_of, check_kata_ids, chosen_attempt, nox_command, ready_katas
from graders.report import Reporter, fill

TREND = 8          # attempts shown in `progress`
BAR = 24           # cells of a full bar (1.5x the target time), at most
TIME_WIDTH = 14    # after a bar: " 12:05 (+6:05)"


def read_hints(path):
    """hints.md -> [(title, text)], one per `## ` heading."""
    parts = re.split(r"^## +", path.read_text(encoding="utf-8"), flags=re.M)[1:]
    return [(re.sub(r"^\d+\.\s*", "", p.splitlines()[0].strip()), "\n".join(p.splitlines()[1:]).strip())
            for p in parts]


def hint(args, katas):
    paths = Paths(args.root)
    attempt = chosen_attempt(args, katas, paths)
    hints_file = attempt.hints_path  # a level's in its folder
    hints = read_hints(hints_file) if hints_file.is_file() else []
    if not hints:
        print(f"{args.kata} has no hints yet.")
        return 0
    key = attempt.key  # the hints are counted per attempt
    with recording(paths, Reporter()) as store:
        number = store.hinted(key) if store.kata(key).hints < len(hints) else None
    if number is None:
        print(f"That was the last of {len(hints)} hints for {args.kata}. Still stuck? "
              f"{nox_command('reveal', args.kata, '--give-up')} shows the reference (and counts as a give-up).")
        return 0
    title, text = hints[number - 1]
    print(f"Hint {number} of {len(hints)} for {args.kata}: {title}\n\n{text}\n")
    if number < len(hints):
        print(f"(Hints used this attempt: {number}. The next: {nox_command('hint', args.kata)})")
    return 0


def reveal(args, katas):
    paths = Paths(args.root)
    reporter = Reporter()
    attempt = chosen_attempt(args, katas, paths)
    store = load_progress(paths, reporter)
    record = store.kata(attempt.key)
    if not record.solved() and not args.give_up:
        print(f"The reference of {args.kata} is shown after a full pass, so it cannot spoil the drill.\n"
              f"Grade your attempt ({nox_command('grade', args.kata)}), "
              f"take a hint ({nox_command('hint', args.kata)}), "
              f"or give up and see it now: {nox_command('reveal', args.kata, '--give-up')}")
        return 1
    if args.give_up:
        with recording(paths, reporter) as store:
            counted = store.gave_up(attempt.key, time.time())
        print(f"{'Recorded a give-up' if counted else 'This attempt was already given up'} on {args.kata}: "
              f"it comes back soon. Rewrite it from scratch later: "
              f"{nox_command('start', *attempt.command_args(), *([] if attempt.same_file else ['--fresh']))}\n")
    print(attempt.reference_path.read_text(encoding="utf-8"))
    return 0


def drill(args, katas):
    """Start the kata that spaced repetition picks, fresh."""
    paths = Paths(args.root)
    store = load_progress(paths, Reporter())
    attempts = [a for k in ready_katas(katas, paths) for base in attempts_of(katas[k], paths)
                for a in [base, *base.levels()]
                if a.default and a.level is None or a.key in store.katas]   # a second framework, a level: once started
    now = time.time()
    attempt = pick_attempt(store, attempts, now)
    if attempt is None:
        print("No kata is ready yet.")
        return 1
    print(f"Drill: {attempt.label} ({'*' * attempt.kata.stars}) - {reason(store.katas.get(attempt.key), now)}\n")
    args.kata, args.fresh, args.force, args.torch = attempt.name, True, False, attempt.framework == "torch"
    return start(args, katas)


def reason(record, now):
    """Why the drill picked a kata, in words."""
    rank, overdue = standing(record, now)
    if rank == NEVER:
        return "never practised"
    if rank == FAILED:
        return "it did not pass last time"
    best = record.best_seconds()
    best = f", best time {clock(best)}" if best is not None else ""
    if rank == DUE:
        return f"due{best}"
    return f"nothing is due; this one comes back soonest ({due_words(record.due, now)}){best}"


def interview(args, katas):
    """A mock round: a kata (weighted by stars unless named), its countdown, the grade, the follow-ups
    (each answer saved beside the attempt, then a model answer)."""
    paths = Paths(args.root)
    ready = ready_katas(katas, paths)
    if args.kata:
        check_kata_ids([args.kata], katas, paths)
        kata = katas[args.kata]
    else:
        rng = random.Random(args.seed)
        kata = katas[rng.choices(ready, weights=[katas[k].stars for k in ready])[0]]
    if args.pick:  # the nox session installs what the kata needs before its countdown
        print(kata.id)
        return 0
    minutes = args.minutes or kata.minutes
    print(f"Mock interview: {kata.title} ({kata.id}). You have {clock(minutes * 60)}.\n")
    args.kata, args.fresh, args.force, args.minutes = kata.id, True, False, minutes  # start says the same time
    start(args, katas)
    ended = countdown(minutes * 60, sys.stdin, sys.stdout)
    print(f"\n{'Time is up.' if ended == 'time' else 'Grading.'}\n")
    from graders.cli import grade, next_due_kata

    grade_args = type(args)(**{**vars(args), "katas": [kata.id], "solution": None, "json": None,
                               "results_dir": None, "sandbox": "auto", "interview_s": minutes * 60})
    code = grade(grade_args, katas)
    base = chosen_attempt(args, katas, paths)
    level = follow_up_level(base, load_progress(paths, Reporter()), random.Random(args.seed))
    if level is not None and last_status(paths, base) == "passed":
        code = graded_follow_up(args, level, katas, grade_args) or code
    saved = follow_ups(kata, paths, sys.stdin, sys.stdout)
    if saved:
        print(f"\nYour answers are in {paths.shown(saved)}; the review reads them: {nox_command('review', kata.id)}")
    due = next_due_kata(load_progress(paths, Reporter()), katas, ready, time.time(), exclude=kata.id)
    if due:
        print(f"Next: {due} ({nox_command('drill')})")
    return code


def follow_up_level(base, store, rng):
    """The graded follow-up an interviewer asks after `base` passes: a level not passed yet (the first
    in the manifest's order), else one drawn at random; None for a kata without levels."""
    levels = base.levels()
    if not levels:
        return None
    fresh = [level for level in levels if not store.kata(level.key).solved()]
    return fresh[0] if fresh else rng.choice(levels)


def last_status(paths, attempt):
    """The status of the attempt's latest recorded grade, or None."""
    from graders.progress import ProgressStore

    record = ProgressStore.load(paths.progress_file, time.time()).katas.get(attempt.key)
    latest = record.latest() if record else None
    return latest["status"] if latest else None


def graded_follow_up(args, level, katas, grade_args):
    """The interviewer's "good, now ...": the level's prompt, its stub, its own countdown, then its grade.
    -> the grade's exit code."""
    from graders.cli import grade
    from graders.prompt import render

    minutes = level.minutes * (args.minutes / level.kata.minutes if args.minutes else 1)
    print(f"\nGood. Now a follow-up, {level.title} ({level.name}). You have {clock(minutes * 60)}.\n")
    reporter = Reporter()
    reporter.print(render(level.prompt_path.read_text(encoding="utf-8"), reporter.width, reporter.color))
    print()
    start_args = type(args)(**{**vars(args), "kata": level.name, "fresh": False, "force": False, "minutes": minutes})
    start(start_args, katas)
    ended = countdown(minutes * 60, sys.stdin, sys.stdout)
    print(f"\n{'Time is up.' if ended == 'time' else 'Grading.'}\n")
    return grade(type(grade_args)(**{**vars(grade_args), "katas": [level.name], "interview_s": minutes * 60}), katas)


def follow_ups(kata, paths, stdin, stdout):
    """Ask each follow-up question: the learner's answer is saved as soon as it is given (lines up to an
    empty one; an empty line alone or end of input skips), then a model answer is shown.
    -> the answers file (solutions/.interview/<kata>-<stamp>.md), or None when nothing was answered."""
    print("\nThe interviewer's follow-ups. Type your answer, an empty line to end it (an empty line alone, "
          "or Ctrl-D, skips the question).", file=stdout)
    saved = None
    for number, follow_up in enumerate(kata.follow_ups, 1):
        print(f"\n  {number}. {follow_up.question}\n", file=stdout, flush=True)
        answer = read_answer(stdin)
        if answer:
            try:
                saved = saved or new_answers_file(paths, kata, time.time())
                with saved.open("a", encoding="utf-8") as f:
                    f.write(f"## {number}. {follow_up.question}\n\n{answer}\n\n")
            except OSError as e:
                print(f"  (your answer could not be saved: {e.strerror or e})", file=stdout)
        width = max(40, shutil.get_terminal_size((100, 24)).columns - 4)
        print(textwrap.fill(f"A strong answer: {follow_up.answer}", width, initial_indent="  ",
                            subsequent_indent="  ", break_on_hyphens=False), file=stdout, flush=True)
    return saved


def read_answer(stdin):
    """Lines from `stdin` up to an empty line or the end of input, as one text ("" when none)."""
    lines = []
    while (line := stdin.readline()).strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


def new_answers_file(paths, kata, now):
    """A new answers file, created with its heading; an existing one is never overwritten."""
    stamp, when = time.strftime("%Y%m%d-%H%M%S", time.localtime(now)), time.strftime("%Y-%m-%d %H:%M", time.localtime(now))
    heading = f"# {kata.title} ({kata.id}): follow-up answers, mock interview of {when}\n\n"
    paths.interview_answers(kata.id, stamp).parent.mkdir(parents=True, exist_ok=True)
    for copy in itertools.count(1):
        path = paths.interview_answers(kata.id, stamp if copy == 1 else f"{stamp}-{copy}")
        try:
            with path.open("x", encoding="utf-8") as f:
                f.write(heading)
            return path
        except FileExistsError:
            continue


def countdown(seconds, stdin, stdout):
    """Show the time left until `seconds` pass or a line arrives on `stdin` (Enter): -> "time" / "enter"."""
    deadline = time.monotonic() + seconds
    interactive = stdout.isatty()
    print("Press Enter to grade when you are done.", file=stdout, flush=True)
    listening = [stdin]
    while (left := deadline - time.monotonic()) > 0:
        if interactive:
            stdout.write(f"\r  {clock(left)} left ")
            stdout.flush()
        ready, _, _ = select.select(listening, [], [], min(1.0, left))
        if ready:
            if stdin.readline():
                return "enter"
            listening = []  # end of input (not a terminal): only the clock can end the round
    return "time"


def progress(args, katas):
    """Per ready kata: the best time as a bar against the target, and the last attempts' trend, in
    the terminal's width (the bar shrinks before the trend goes)."""
    paths = Paths(args.root)
    reporter = Reporter()
    store = load_progress(paths, reporter)
    attempts = [a for k in ready_katas(katas, paths) for base in attempts_of(katas[k], paths)
                for a in [base, *(level for level in base.levels() if level.key in store.katas)]]  # levels once started
    labels = [a.label for a in attempts]
    kata_width = max(len("kata"), *map(len, labels))
    cells = max(9, min(BAR, reporter.width - kata_width - TIME_WIDTH - 3 - 2 - 30))  # 30: room for the trend
    bar_width = cells + 3 + TIME_WIDTH
    trend_room = reporter.width - kata_width - bar_width - 2
    reporter.print(f"{'kata':<{kata_width}} {'best time vs target (|)':<{bar_width}} last attempts, oldest first"
                   [:reporter.width])
    for attempt in attempts:
        record = store.katas.get(attempt.key)   # a row per framework of a kata, and per level started
        best, target = (record.best_seconds() if record else None), attempt.minutes * 60
        shown = bar(best, target, cells, reporter.paint)
        padding = " " * (bar_width - len(bar(best, target, cells)))
        reporter.print(f"{attempt.label:<{kata_width}} {shown}{padding} "
                       f"{trend(record, target, trend_room, reporter.paint)}".rstrip())
    reporter.print()
    reporter.print(fill(PROGRESS_LEGEND, reporter.width))
    return 0


PROGRESS_LEGEND = ("Bar: your best time from `start` to a full pass; # up to the target, + past it, | the interview's "
                   "minutes, > off the scale (1.5x the target). Attempts: 4:05 a timed full pass, P a pass with no "
                   "clock running, x not passed, ! gave up.")


def bar(seconds, target, cells=BAR, paint=None):
    """[########        |        ] 3:12: `#` up to the best time within the target, `+` past it, the
    target `|` always shown, `>` when the time is off the scale (1.5x the target); then the time, and by
    how much it missed the target. `paint(text, status)` colours the parts (Reporter.paint)."""
    if seconds is None:
        return "-"
    paint = paint or (lambda text, status: text)
    mark = round(cells / 1.5)                                 # cells before the target
    filled = min(cells, max(1, round(cells * seconds / target / 1.5)))
    inside = "#" * min(filled, mark) + " " * (mark - min(filled, mark))
    over = "+" * max(0, filled - mark) + " " * (cells - max(filled, mark))
    if seconds > 1.5 * target:
        over = over[:-1] + ">"
    missed = f" (+{clock(seconds - target)})" if seconds > target else ""
    return f"[{paint(inside, 'passed')}|{paint(over, 'timeout')}] {clock(seconds)}{missed}"


def trend(record, target, room, paint=None):
    """The last attempts, oldest first, as many as fit in `room` columns: a timed full pass as its time
    (coloured against the target), P a pass with no clock, x not passed, ! a give-up. `paint(text,
    status)` colours each (Reporter.paint)."""
    if record is None:
        return ""
    paint = paint or (lambda text, status: text)
    events = [(t, "!", "disallowed") for t in record.gave_up]
    for a in record.attempts:
        if a["status"] != "passed":
            events.append((a["at"], "x", "failed"))
        elif a["elapsed_s"] is None:
            events.append((a["at"], "P", "passed"))
        else:
            events.append((a["at"], clock(a["elapsed_s"]), "passed" if a["elapsed_s"] <= target else "timeout"))
    shown, used = [], 0
    for _, mark, status in reversed(sorted(events)[-TREND:]):
        if used + len(mark) + 2 > room:
            break
        shown.insert(0, paint(mark, status))
        used += len(mark) + 2
    return "  ".join(shown)
