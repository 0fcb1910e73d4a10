"""The screens around the grade: `list` and `progress` at every width, their symbols explained and
coloured only on a terminal; `list` after a fresh start; watch's compact report; `prompt`."""

import io
import re
import sys

import pytest

from conftest import REPO, run_graders
from graders import practice, prompt
from graders.__main__ import main
from graders.report import Reporter
from graders.watch import render
from test_engine import MISBEHAVING

WIDTHS = (40, 60, 80, 120)


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """A probe repository with a timed full pass, then a failing re-grade."""
    import shutil

    from conftest import ENGINE_KATA

    root = tmp_path_factory.mktemp("solved") / "root"
    shutil.copytree(ENGINE_KATA, root, ignore=shutil.ignore_patterns("__pycache__"))
    run_graders("start", "probe", root=root)
    solution = root / "solutions" / "probe.py"
    solution.write_text((MISBEHAVING / "correct.py").read_text())
    assert run_graders("grade", "probe", root=root).returncode == 0
    solution.write_text((MISBEHAVING / "correct.py").read_text().replace("return a + b", "return a - b"))
    run_graders("grade", "probe", root=root)
    return root


def test_list_fits_every_width_and_keeps_due_longest(solved):
    for columns in WIDTHS:
        out = run_graders("list", root=solved, env={"COLUMNS": str(columns)}).stdout
        lines = out.splitlines()
        assert max(map(len, lines)) <= columns, (columns, out)
        header = lines[0].split()
        assert header[0] == "kata" and "due" in header, (columns, lines[0])
        row = next(line for line in lines if line.startswith("probe"))
        assert re.search(r"  (now|tomorrow|in \d+ days)( |$)", row), (columns, row)
    wide = run_graders("list", root=solved, env={"COLUMNS": "160"}).stdout
    assert re.search(r"^kata +asked +difficulty +target +latest +best +levels +best time +due +where", wide, re.M), wide


def test_list_explains_its_symbols(solved):
    out = " ".join(run_graders("list", root=solved, env={"COLUMNS": "80"}).stdout.split())
    assert "asked: how often interviews ask it (* to *****)" in out and "edited: the file changed since" in out
    (solved / "solutions" / "probe.py").touch()
    row = next(line for line in run_graders("list", root=solved, env={"COLUMNS": "120"}).stdout.splitlines()
               if line.startswith("probe"))
    assert "failed 3/5, edited" in row and " *" not in row.split("failed")[1], row  # stars mean stars only


def test_list_after_a_fresh_start_shows_the_attempt_in_progress_and_keeps_the_best(probe_root):
    run_graders("start", "probe", root=probe_root)
    (probe_root / "solutions" / "probe.py").write_text((MISBEHAVING / "correct.py").read_text())
    run_graders("grade", "probe", root=probe_root)
    assert run_graders("start", "probe", "--fresh", root=probe_root).returncode == 0
    row = next(line for line in run_graders("list", root=probe_root, env={"COLUMNS": "120"}).stdout.splitlines()
               if line.startswith("probe"))
    assert re.search(r"\bin progress +passed +\d+:\d\d ok\b", row), row


def test_the_progress_bar_marks_the_target_and_the_overshoot():
    inside, over, off_scale = (practice.bar(s, 60, cells=24) for s in (30, 75, 200))
    for drawn in (inside, over, off_scale):
        assert re.fullmatch(r"\[[# ]{16}\|[+> ]{8}\] .*", drawn), drawn  # `|` always at the target
    assert inside.startswith("[########        |        ] 0:30")
    assert over.startswith("[################|++++    ] 1:15 (+0:15)")
    assert off_scale.startswith("[################|+++++++>] 3:20 (+2:20)")


def test_progress_fits_every_width_with_times_apart_from_letters(solved):
    for columns in WIDTHS:
        out = run_graders("progress", root=solved, env={"COLUMNS": str(columns)}).stdout
        assert max(map(len, out.splitlines())) <= columns, (columns, out)
        row = next(line for line in out.splitlines() if line.startswith("probe"))
        assert "|" in row and re.search(r"\] 0:\d\d +(0:\d\d +)?x$", row), (columns, row)  # a timed pass, a fail
        assert columns < 60 or re.search(r"\] 0:\d\d +0:\d\d +x$", row), (columns, row)
        assert not re.search(r"[A-Za-z]\d", row.split("]")[-1]), row
        assert "| the interview's minutes" in " ".join(out.split())


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("command", ["progress", "list"])
def test_colour_on_a_terminal_and_never_with_no_color(solved, command, monkeypatch):
    def shown(no_color):
        if no_color:
            monkeypatch.setenv("NO_COLOR", "1")
        else:
            monkeypatch.delenv("NO_COLOR", raising=False)
        terminal = Terminal()
        monkeypatch.setattr(sys, "stdout", terminal)
        assert main(["--root", str(solved), command]) == 0
        monkeypatch.undo()
        return terminal.getvalue()

    assert "\033[" in shown(no_color=False)
    assert "\033[" not in shown(no_color=True)
    assert "\033[" not in run_graders(command, root=solved).stdout  # not a terminal


def test_watch_groups_a_cause_and_fits_the_width():
    message = "MissingName: the solution defines no `self_attention` (it defines `self_attn`: rename it?)"
    tests = [{"name": f"test_case_number_{i}_with_a_long_descriptive_name", "category": "correctness",
              "status": "error", "message": message, "duration_s": 0.01} for i in range(13)]
    result = {"kata": "attention", "status": "error", "passed": 0, "total": 13, "duration_s": 0.4, "tests": tests}
    out = io.StringIO()
    render(result, Reporter(out, width=60))
    text = out.getvalue()
    assert max(map(len, text.splitlines())) <= 60, text
    assert text.count("defines no") == 1 and "12 more tests failed the same way" in " ".join(text.split())
    assert len([line for line in text.splitlines() if line.startswith("  ERROR")]) == 13


def test_prompt_renders_the_markdown_for_the_terminal():
    markdown = """# A kata

Implement **this**, with *care*: see [the docs](https://example.org) and `a  b`.

```python
def f(x):   # kept as written, even when it is longer than the terminal is wide, never rewrapped at all
    return x
```

- one item, long enough that it has to wrap onto a second line at forty columns
  - a nested item
"""
    text = prompt.render(markdown, 40)
    assert text.startswith("A kata\n======\n\nImplement this, with care: see the docs\n(https://example.org) and `a  b`.")
    assert "    def f(x):   # kept as written, even when it is longer than the terminal is wide, never" in text
    assert "\n        return x\n" in text and "```" not in text and "**" not in text
    assert "- one item, long enough that it has to\n  wrap onto a second line at forty\n  columns\n  - a nested item" in text
    assert all(len(line) <= 40 for line in text.splitlines() if not line.startswith("    "))
    coloured = prompt.render(markdown, 40, color=True)
    plain = prompt.ANSI.sub("", coloured)
    assert "\033[" in coloured and "`" not in coloured and plain.split() == text.replace("`", "").split()[:2] + \
        text.replace("`", "").split()[3:]  # the same words, less the heading's underline
    assert all(len(line) <= 40 for line in plain.splitlines() if not line.startswith("    "))


def test_the_prompt_command_prints_every_kata_readably():
    for kata in ("attention", "tiny_transformer"):
        proc = run_graders("prompt", kata, root=REPO, env={"COLUMNS": "72"})
        assert proc.returncode == 0, proc.stderr
        prose = [line for line in proc.stdout.splitlines() if not line.startswith("    ")]
        assert max(map(len, prose)) <= 72 and "**" not in proc.stdout and "```" not in proc.stdout
    assert "Single-head self-attention (NumPy)\n=" in run_graders("prompt", "attention", root=REPO).stdout
    bad = run_graders("prompt", "atention", root=REPO)
    assert bad.returncode == 2 and "did you mean 'attention'?" in bad.stderr
