"""The drill loop's commands: hint, reveal, drill, interview, progress. Each takes the parsed args
and the manifest and returns an exit code; the progress store (graders/progress.py) records it all.

    hint KATA              one more hint per call (katas/<id>/hints.md), each recorded
    reveal KATA            the reference, after a full pass or with --give-up (recorded)
    drill                  the next kata by spaced repetition, started fresh
    interview [KATA]       a mock round: countdown, grade, then the follow-up questions one at a time
    progress               per kata: best time against the target, and the trend of the last attempts
"""

import random
import re
import select
import sys
import time

from graders.cli import clock, due_words, load_progress, recording, start
from graders.drill import DUE, FAILED, NEVER, pick, standing
from graders.repo import Paths, check_kata_ids, nox_command, ready_katas
from graders.report import Reporter

TREND = 8          # attempts shown in `progress`
BAR = 24           # characters of a full bar (the target time)


def read_hints(path):
    """hints.md -> [(title, text)], one per `## ` heading."""
    parts = re.split(r"^## +", path.read_text(encoding="utf-8"), flags=re.M)[1:]
    return [(re.sub(r"^\d+\.\s*", "", p.splitlines()[0].strip()), "\n".join(p.splitlines()[1:]).strip())
            for p in parts]


def hint(args, katas):
    paths = Paths(args.root)
    check_kata_ids([args.kata], katas, paths)
    hints_file = paths.kata_dir(args.kata) / "hints.md"
    hints = read_hints(hints_file) if hints_file.is_file() else []
    if not hints:
        print(f"{args.kata} has no hints yet.")
        return 0
    with recording(paths, Reporter()) as store:
        number = store.hinted(args.kata) if store.kata(args.kata).hints < len(hints) else None
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
    check_kata_ids([args.kata], katas, paths)
    reporter = Reporter()
    store = load_progress(paths, reporter)
    record = store.kata(args.kata)
    if not record.solved() and not args.give_up:
        print(f"The reference of {args.kata} is shown after a full pass, so it cannot spoil the drill.\n"
              f"Grade your attempt ({nox_command('grade', args.kata)}), "
              f"take a hint ({nox_command('hint', args.kata)}), "
              f"or give up and see it now: {nox_command('reveal', args.kata, '--give-up')}")
        return 1
    if args.give_up:
        with recording(paths, reporter) as store:
            counted = store.gave_up(args.kata, time.time())
        print(f"{'Recorded a give-up' if counted else 'This attempt was already given up'} on {args.kata}: "
              f"it comes back soon. Rewrite it from scratch later: {nox_command('start', args.kata, '--fresh')}\n")
    print(paths.reference(args.kata).read_text(encoding="utf-8"))
    return 0


def drill(args, katas):
    """Start the kata that spaced repetition picks, fresh."""
    paths = Paths(args.root)
    ready = [katas[k] for k in ready_katas(katas, paths)]
    store = load_progress(paths, Reporter())
    now = time.time()
    kata = pick(store, ready, now)
    if kata is None:
        print("No kata is ready yet.")
        return 1
    print(f"Drill: {kata.id} ({'*' * kata.stars}) - {reason(store.katas.get(kata.id), now)}\n")
    args.kata, args.fresh, args.force = kata.id, True, False
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
    """A mock round: a kata (weighted by stars unless named), its countdown, the grade, the follow-ups."""
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
    args.kata, args.fresh, args.force = kata.id, True, False
    start(args, katas)
    ended = countdown(minutes * 60, sys.stdin, sys.stdout)
    print(f"\n{'Time is up.' if ended == 'time' else 'Grading.'}\n")
    from graders.cli import grade

    grade_args = type(args)(**{**vars(args), "katas": [kata.id], "solution": None, "json": None,
                               "results_dir": None, "sandbox": "auto"})
    code = grade(grade_args, katas)
    print("\nThe interviewer's follow-ups (press Enter for the next):")
    for number, question in enumerate(kata.follow_ups, 1):
        print(f"\n  {number}. {question}")
        if number < len(kata.follow_ups) and not sys.stdin.readline():
            break
    return code


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
    """Per ready kata: the best time as a bar against the target, and the last attempts' trend."""
    paths = Paths(args.root)
    store = load_progress(paths, Reporter())
    print(f"{'kata':<17} {'best time vs target (|)':<{BAR + 14}} last attempts (oldest first)")
    for kata_id in ready_katas(katas, paths):
        kata, record = katas[kata_id], store.katas.get(kata_id)
        best = record.best_seconds() if record else None
        print(f"{kata_id:<17} {bar(best, kata.minutes * 60):<{BAR + 14}} {trend(record)}")
    print("\nbar: best time from `start` to a full pass; | is the interview's minutes. "
          "Trend: P passed (with its time), x failed, ! given up.")
    return 0


def bar(seconds, target):
    if seconds is None:
        return "-"
    filled = min(BAR, max(1, round(BAR * seconds / target / 1.5)))  # the bar spans 1.5x the target
    mark = round(BAR / 1.5)
    cells = ["#" if i < filled else " " for i in range(BAR)]
    cells[mark - 1] = "|" if cells[mark - 1] == " " else "#"
    return f"[{''.join(cells)}] {clock(seconds)}"


def trend(record):
    if record is None:
        return ""
    events = [(a["at"], f"P{clock(a['elapsed_s'])}" if a["status"] == "passed" and a["elapsed_s"] is not None
               else "P" if a["status"] == "passed" else "x") for a in record.attempts]
    events += [(t, "!") for t in record.gave_up]
    return " ".join(mark for _, mark in sorted(events)[-TREND:])
