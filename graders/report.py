"""What a learner reads in the terminal: a line per test as it finishes, then a summary."""

import os
import re
import sys

LABELS = {  # status -> (label, ANSI colour)
    "passed": ("PASS", "32"), "failed": ("FAIL", "31"), "error": ("ERROR", "31"), "timeout": ("TIME", "33"),
    "memory": ("MEM", "33"), "not_attempted": ("TODO", "2"), "disallowed": ("BANNED", "35"),
}
MESSAGE_LINES = 9
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text):
    """`text` with control characters (terminal escapes, carriage returns, bidi overrides) shown as
    `?`: for everything the solution controls (messages, tracebacks, printed output)."""
    return CONTROL.sub("?", text)


def shortened(lines, count):
    """At most `count` lines: the first two (what went wrong) and the last ones (where: a traceback's
    innermost frames, the last lines printed), with how many were left out between."""
    if len(lines) <= count:
        return lines
    head, tail = 2, count - 3
    return [*lines[:head], f"... ({len(lines) - head - tail} lines left out)", *lines[-tail:]]


class Reporter:
    """Prints to `stream`; colour only on a terminal and without NO_COLOR."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.color = self.stream.isatty() and "NO_COLOR" not in os.environ

    def paint(self, text, status):
        return f"\033[{LABELS[status][1]}m{text}\033[0m" if self.color else text

    def print(self, text=""):
        print(text, file=self.stream, flush=True)

    def kata_header(self, kata, solution_path):
        self.print(f"{kata.id} - {kata.title} ({solution_path})")

    def test_line(self, result):
        label = self.paint(f"{LABELS[result.status][0]:<6}", result.status)
        self.print(f"  {label} {result.category:<20} {result.name:<52} {result.duration_s:6.2f}s")
        if result.status not in ("passed", "not_attempted") and result.message:
            for line in shortened(result.message.splitlines(), MESSAGE_LINES):
                self.print(f"         {line[:300]}")

    def summary(self, result):
        if result.message:
            for line in shortened(result.message.splitlines(), 20):
                self.print(f"  {line[:300]}")
        if result.printed_bytes:
            head = result.printed.splitlines()[:5]
            self.print(f"  the solution printed {result.printed_bytes:,} bytes; the first lines:")
            for line in head:
                self.print(f"    | {line[:200]}")
        todo = sum(t.status == "not_attempted" for t in result.tests)
        todo_note = f", {todo} not attempted" if todo and result.status != "not_attempted" else ""
        status = self.paint(result.status.replace("_", " "), result.status)
        counts = f"{result.passed}/{result.total} tests passed{todo_note}" if result.total else "no test ran"
        self.print(f"{result.kata}: {status} - {counts} in {result.duration_s:.2f} s")
        self.print()
