"""`prompt KATA`: the kata's prompt.md, rendered for the terminal (`prompt KATA:LEVEL`: the level's).

    print(render(markdown_text, width=80, color=False))

A small renderer for the Markdown the prompts use: headings (underlined), fenced code (kept as it
is, indented), paragraphs and nested lists (wrapped to the width), `**bold**` / `*italic*` shown as
plain words, links as "text (url)". Inline code keeps its backticks, or is coloured on a terminal.
"""

import re

from graders.repo import Paths, chosen_attempt, nox_command
from graders.report import Reporter

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
KEEP = "\x00"      # a space inside inline code while a paragraph is wrapped
STYLE = {"bold": "1", "code": "36", "heading": "1;4"}


def prompt(args, katas):
    paths = Paths(args.root)
    attempt = chosen_attempt(args, katas, paths)  # --torch: the PyTorch prompt
    reporter = Reporter()
    markdown = attempt.prompt_path.read_text(encoding="utf-8")
    reporter.print(render(markdown, reporter.width, reporter.color))
    start = nox_command("start", *attempt.command_args())
    reporter.print("\n" + "\n".join(wrap(f"({paths.shown(attempt.prompt_path)}; start it: {start})", reporter.width)))
    return 0


def render(markdown, width, color=False):
    """Markdown -> terminal text of at most `width` columns (code lines excepted: never rewrapped)."""
    out, paragraph, item = [], [], None   # item: (indent, marker, [lines]) of the list item being read
    lines = iter(markdown.splitlines())

    def flush():
        nonlocal item
        if paragraph:
            out.extend(wrap(inline(" ".join(paragraph), color), width))
            paragraph.clear()
        if item:
            indent, marker, words = item
            first = " " * indent + marker + " "
            out.extend(wrap(inline(" ".join(words), color), width, first, " " * len(first)))
            item = None

    for line in lines:
        if FENCE.match(line):
            flush()
            out.extend(_code_block(lines, color))
            out.append("")
        elif match := HEADING.match(line):
            flush()
            out.extend(_heading(inline(match[2], color).replace(KEEP, " "), len(match[1]), color))
        elif not line.strip():
            flush()
            if out and out[-1]:
                out.append("")
        elif match := ITEM.match(line):
            flush()
            item = (len(match[1]), match[2] if match[2][0].isdigit() else "-", [match[3].strip()])
        elif item is not None:
            item[2].append(line.strip())
        else:
            paragraph.append(line.strip())
    flush()
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _code_block(lines, color):
    """The lines up to the closing fence, indented by four spaces."""
    block = []
    for line in lines:
        if FENCE.match(line):
            break
        block.append("    " + paint(line, "code", color) if line.strip() else "")
    return block


def _heading(text, level, color):
    if color:
        return [paint(text, "heading", color), ""]
    return [text, ("=" if level == 1 else "-") * len(text), ""]


def inline(text, color):
    """Inline Markdown -> plain words: emphasis marks dropped (bold on a terminal), links as
    "text (url)"; code spans kept whole (their spaces never break a line), coloured on a terminal
    instead of in backticks. -> text where KEEP stands for those spaces, for `wrap`."""
    spans = []

    def hold(match):
        spans.append(match[2])
        return f"\x01{len(spans) - 1}\x02"

    prose = CODE_SPAN.sub(hold, text)
    prose = LINK.sub(r"\1 (\2)", prose)
    prose = BOLD.sub(lambda m: paint(m[2], "bold", color), prose)
    prose = ITALIC.sub(r"\1", prose)
    code = [(paint(c, "code", color) if color else f"`{c}`").replace(" ", KEEP) for c in spans]
    return re.sub("\x01(\\d+)\x02", lambda m: code[int(m[1])], prose)


def wrap(text, width, first="", rest=""):
    """Paragraph text from `inline` -> lines of at most `width` visible columns (colour codes take
    none). A code span is kept on one line unless it is longer than a line; a longer word overflows."""
    room = width - len(rest)
    words = []
    for word in text.split():
        words.extend(word.split(KEEP) if visible(word) > room else [word.replace(KEEP, " ")])
    lines, line, empty = [], first, True
    for word in words:
        if not empty and visible(line) + 1 + visible(word) > width:
            lines.append(line)
            line, empty = rest, True
        line, empty = line + ("" if empty else " ") + word, False
    return [*lines, line] if words else []


def visible(text):
    """The columns `text` takes on a terminal."""
    return len(ANSI.sub("", text))


def paint(text, style, color):
    return f"\033[{STYLE[style]}m{text}\033[0m" if color else text
