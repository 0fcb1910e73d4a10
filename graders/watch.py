"""`watch KATA`: re-grade solutions/KATA.py on every save and redraw a compact report (failures first,
one line per passing category), until Ctrl-C.

Each grade runs in a child process started ahead of time, its imports done, waiting for a go: a
result shows about as soon as the grade itself is done. A save during a running grade kills it and
starts the next. The file is polled (its mtime and size); nothing else runs in the background.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from graders.repo import Paths, chosen_attempt, nox_command
from graders.cli import load_progress, next_steps
from graders.report import LABELS, Reporter, printable, status_columns

POLL_S = 0.2
SERVE = "import sys; from graders.watch import serve; serve(*sys.argv[1:])"


def watch(args, katas):
    paths = Paths(args.root)
    attempt = chosen_attempt(args, katas, paths)  # --torch: the PyTorch attempt
    flags = ["--torch"] if not attempt.default else []
    solution = attempt.solution_path
    if not solution.is_file():
        print(f"No attempt at {solution} yet: {nox_command('start', args.kata, *flags)}")
        return 1
    reporter = Reporter()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C stops, even where SIGINT came in ignored
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print(f"Watching {solution.relative_to(paths.root)}: every save is graded. Ctrl-C to stop.", flush=True)
    with tempfile.TemporaryDirectory(prefix="kata-watch-") as scratch:
        spare, running, seen, runs = None, None, None, 0
        try:
            while True:
                if spare is None:
                    runs += 1
                    spare = Grade(paths.root, args.kata, Path(scratch) / f"{runs}.json", args.sandbox, flags)
                stamp = file_stamp(solution)
                if stamp != seen:
                    seen = stamp
                    if running is not None:
                        running.cancel()
                        reporter.print("(saved again: the running grade is cancelled)")
                    running, spare = spare.go(), None
                    reporter.print(f"{time.strftime('%H:%M:%S')} grading {args.kata} ...")
                elif running is not None and running.done():
                    result = running.result()
                    render(result, reporter)
                    if result and result.get("status") == "passed":
                        after_pass(attempt, katas, paths, reporter)
                    running = None
                time.sleep(POLL_S)
        except KeyboardInterrupt:
            reporter.print("\nstopped watching")
        finally:
            for grade in (spare, running):
                if grade is not None:
                    grade.cancel()
    return 0


def file_stamp(path):
    try:
        info = path.stat()
        return info.st_mtime_ns, info.st_size
    except OSError:
        return None


class Grade:
    """A `python -m graders grade KATA --json OUT` in a child process that waits for `go()`."""

    def __init__(self, root, kata, out, sandbox, flags=()):
        self.out = out
        self.popen = subprocess.Popen([sys.executable, "-c", SERVE, str(root), kata, str(out), sandbox, *flags],
                                      stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      start_new_session=True)

    def go(self):
        self.popen.stdin.write(b"go\n")
        self.popen.stdin.close()
        return self

    def done(self):
        return self.popen.poll() is not None

    def cancel(self):
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait()

    def result(self):
        """The JSON result, or None (with the grader's error) when the grade produced none."""
        try:
            return json.loads(self.out.read_text())
        except (OSError, ValueError):
            return {"error": self.popen.stderr.read().decode(errors="replace")[-2000:]}


def serve(root, kata, out, sandbox, *flags):
    """The child's side: import everything grading needs, wait for a line on stdin, then grade."""
    import importlib

    from graders.__main__ import main

    for module in ("graders.grade", "graders.plugin", "pytest", "numpy"):  # warm imports before the go
        importlib.import_module(module)

    if not sys.stdin.readline():
        return
    main(["--root", root, "grade", kata, "--json", out, "--sandbox", sandbox, *flags])


def render(result, reporter):
    """Failures first, with their first message line (once for tests that failed the same way); then
    one line per category that fully passed."""
    if result is None or "error" in result:
        reporter.print(f"the grader failed: {printable((result or {}).get('error', ''))}")
        return
    if reporter.color:
        reporter.print("\033[2J\033[H")
    reporter.begin()
    bad = [t for t in result["tests"] if t["status"] != "passed"]
    for t in bad:
        label = reporter.paint(f"{LABELS[t['status']][0]:<6}", t["status"])
        reporter.print(f"  {label} {status_columns(t['category'], t['name'], '', reporter.width)}".rstrip())
        first = next((line for line in t["message"].splitlines() if line.strip()), "")
        reporter.once(t["name"], first, 1)
    reporter.repeats()
    failed_categories = {t["category"] for t in bad}
    passing = {}
    for t in result["tests"]:
        if t["category"] not in failed_categories:
            passing[t["category"]] = passing.get(t["category"], 0) + 1
    for category, count in passing.items():
        reporter.print(f"  {reporter.paint('PASS  ', 'passed')} {category:<20} {count} test{'s' * (count > 1)}")
    if result.get("message"):
        reporter.message(result["message"].splitlines()[0], 1, "  ")
    status = reporter.paint(result["status"].replace("_", " "), result["status"])
    reporter.message(f"{result['kata']}: {status} - {result['passed']}/{result['total']} tests passed "
                     f"in {result['duration_s']:.2f} s   (watching; Ctrl-C to stop)", 1, "")


def after_pass(attempt, katas, paths, reporter):
    """What `grade` prints after a full pass (the time of a solve, what comes next), from the progress
    the grade recorded."""
    reporter.print(next_steps(attempt, load_progress(paths, reporter), katas, paths))
