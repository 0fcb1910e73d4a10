"""What a learner reads in the terminal: a line per test as it finishes, then a summary."""

import os
import re
import shutil
import sys
import textwrap

LABELS = {  # status -> (label, ANSI colour)
    "passed": ("PASS", "32"), "failed": ("FAIL", "31"), "error": ("ERROR", "31"), "timeout": ("TIME", "33"),
    "memory": ("MEM", "33"), "not_attempted": ("TODO", "2"), "disallowed": ("BANNED", "35"),
}
MESSAGE_LINES = 9       # of a test's message in the report (its first and last ones)
LINE_CHARS = 1000       # of one message line (its first and last parts)
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


def clipped(text, limit):
    """`text` if it has at most `limit` characters; else its first and last parts (the advice often
    comes last) around a visible "...", cut at spaces where there are some."""
    if len(text) <= limit:
        return text
    head, tail = text[:limit * 2 // 3], text[-(limit // 3):]
    head = head[:head.rindex(" ")] if " " in head[-40:] else head
    tail = tail[tail.index(" ") + 1:] if " " in tail[:40] else tail
    return f"{head} ... ({len(text) - len(head) - len(tail)} characters left out) ... {tail}"


def cut(text, room):
    """`text` in at most `room` characters, its end replaced by "..." when it does not fit."""
    return text if len(text) <= room else text[:max(0, room - 3)] + "..."


def wrapped(line, width, indent):
    """One message line as terminal lines of at most `width` columns, each starting with `indent`;
    a wrapped line keeps the line's own indentation (code, a traceback) plus two spaces."""
    own = line[:len(line) - len(line.lstrip())]
    room = max(20, width - len(indent))
    parts = textwrap.wrap(line, room, subsequent_indent=own + "  ", break_on_hyphens=False) or [""]
    return [indent + part for part in parts]


def fill(text, width):
    """A paragraph wrapped to `width` columns."""
    return textwrap.fill(text, max(20, width), break_on_hyphens=False)


def terminal_width():
    """The terminal's columns (COLUMNS when set; 100 when the output is not a terminal)."""
    return shutil.get_terminal_size((100, 24)).columns


class Reporter:
    """Prints to `stream`, fitting `width` columns; colour only on a terminal and without NO_COLOR.
    In one kata's report a failure message is shown once: later tests that failed the same way get
    their status line only, and the summary counts them."""

    def __init__(self, stream=None, width=None):
        self.stream = stream or sys.stdout
        self.color = self.stream.isatty() and "NO_COLOR" not in os.environ
        self.width = width or terminal_width()
        self.shown = {}  # message -> [the first test that failed with it, how many more did]

    def paint(self, text, status):
        return f"\033[{LABELS[status][1]}m{text}\033[0m" if self.color else text

    def print(self, text=""):
        print(text, file=self.stream, flush=True)

    def begin(self):
        """A new kata's report: no message shown yet."""
        self.shown = {}

    def kata_header(self, attempt, solution_path, framework=""):
        """`softmax - Stable softmax... (solutions/softmax.py)`, a level's `softmax:logsumexp - ...`;
        `framework`, when given, after the title."""
        self.begin()
        self.message(f"{attempt.name} - {attempt.title}{f', in {framework}' if framework else ''} ({solution_path})", 1, "")

    def test_line(self, result):
        label = self.paint(f"{LABELS[result.status][0]:<6}", result.status)
        self.print(f"  {label} {status_columns(result.category, result.name, f'{result.duration_s:6.2f}s', self.width)}")
        if result.status not in ("passed", "not_attempted") and result.message:
            self.once(result.name, result.message, MESSAGE_LINES)

    def once(self, test_name, message, count):
        """Print a failure's message (see `message`) unless an earlier test of this kata failed with
        the same one: then only count it, for `repeats`."""
        if message in self.shown:
            self.shown[message][1] += 1
            return
        self.shown[message] = [test_name, 0]
        self.message(message, count, "         ")

    def message(self, text, count, indent):
        """A message, its first and last lines when it has more than `count`, wrapped to the width."""
        for line in shortened(text.splitlines(), count):
            for part in wrapped(clipped(line, LINE_CHARS), self.width, indent):
                self.print(part)

    def repeats(self):
        """How many tests failed the same way as one shown above."""
        for first, more in self.shown.values():
            if more:
                self.message(f"{more} more test{'s' * (more > 1)} failed the same way as {first} (its message is above)",
                             1, "  ")

    def summary(self, result):
        self.repeats()
        if result.message:
            self.message(result.message, 20, "  ")
        if result.printed_bytes:
            head = result.printed.splitlines()[:5]
            self.print(f"  the solution printed {result.printed_bytes:,} bytes; the first lines:")
            for line in head:
                self.print(f"    | {cut(line, max(20, self.width - 6))}")
        todo = sum(t.status == "not_attempted" for t in result.tests)
        todo_note = f", {todo} not attempted" if todo and result.status != "not_attempted" else ""
        status = self.paint(result.status.replace("_", " "), result.status)
        counts = f"{result.passed}/{result.total} tests passed{todo_note}" if result.total else "no test ran"
        self.print(f"{result.kata}: {status} - {counts} in {result.duration_s:.2f} s")
        self.print()


def status_columns(category, name, duration, width):
    """A test's status line after its label, in `width` columns: the category is left out when there
    is no room for it, then the name is cut (with "...") so that the duration stays on the line."""
    room = width - 2 - 7 - len(duration) - 1    # the indent, the label, the duration and a space
    shown_category = ""
    if room - 21 >= 40:  # most test names are shorter; a longer one is cut
        shown_category, room = f"{category:<20} ", room - 21
    return f"{shown_category}{cut(name, room):<{min(room, 52)}} {duration}"
