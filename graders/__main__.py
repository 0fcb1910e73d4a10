"""Command line: python -m graders {grade,start,list,prompt,watch,hint,reveal,drill,interview,progress,review,scoreboard,bench,bank} ...
(nox sessions call these)."""

import argparse
import difflib
import os
import signal
import sys
from pathlib import Path

from graders.manifest import ManifestError, load_manifest
from graders.sandbox import MODES

USAGE_ERROR = 2
INTERRUPTED = 130   # 128 + SIGINT, what a shell reports for Ctrl-C
COMMANDS = {  # subcommand -> the function that runs it: (args, manifest) -> exit code
    "grade": "graders.cli:grade", "start": "graders.cli:start", "list": "graders.cli:list",
    "bench": "graders.cli:bench", "bank": "graders.cli:bank", "scoreboard": "graders.cli:scoreboard",
    "watch": "graders.watch:watch", "hint": "graders.practice:hint", "reveal": "graders.practice:reveal",
    "drill": "graders.practice:drill", "interview": "graders.practice:interview",
    "progress": "graders.practice:progress", "review": "graders.review:review", "prompt": "graders.prompt:prompt",
    "readme": "graders.readme:readme",
}


def fresh_inputs_seed(text):
    """--fresh-inputs[=SEED]: the seed the tests' fresh inputs derive from; drawn now when not given."""
    if text == "draw":
        import secrets
        return secrets.randbelow(2**32)
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a seed (a non-negative integer): {text!r}")
    return int(text)


def add_fresh_inputs(parser):
    parser.add_argument("--fresh-inputs", nargs="?", const="draw", type=fresh_inputs_seed, metavar="SEED",
                        help="also run every seeded hidden test on inputs drawn at grade time (CI's verified grade "
                             "does); SEED replays the inputs of an earlier run")


def main(argv=None):
    """Run one command -> its exit code. Ctrl-C at any point: one line, exit 130."""
    signal.signal(signal.SIGINT, _interrupt_once)
    try:
        return _run(argv)
    except KeyboardInterrupt:  # the clean-up (workers, a reviewer) already ran on the way out
        print("\ninterrupted" if sys.stderr.isatty() else "interrupted", file=sys.stderr)  # a terminal's ^C is mid-line
        return INTERRUPTED


def _run(argv):
    parser = argparse.ArgumentParser(prog="python -m graders", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="the repository (kata.yaml, katas/, solutions/); default: this checkout")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("grade", help="grade solutions against the hidden tests")
    p.add_argument("katas", nargs="*", help="kata ids (default: every kata with a solution file)")
    p.add_argument("--solution", type=Path, help="grade this file instead of solutions/KATA.py (one kata only)")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the result as JSON (one kata only)")
    p.add_argument("--results-dir", type=Path, metavar="DIR", help="also write DIR/KATA.json for each kata")
    add_fresh_inputs(p)
    p.add_argument("--torch", action="store_true", help="only the PyTorch attempt (solutions/KATA_torch.py)")

    p.add_argument("--sandbox", choices=MODES, default="auto",
                   help="run the solution in the OS sandbox (bubblewrap): auto = when this machine can, "
                        "require = fail without it (CI), off = never")

    p = commands.add_parser("start", help="copy a kata's starter into solutions/")
    p.add_argument("kata")
    p.add_argument("--fresh", action="store_true",
                   help="start again from the starter: the current attempt is archived in solutions/.history/")
    p.add_argument("--torch", action="store_true",
                   help="the PyTorch attempt: solutions/KATA_torch.py from the kata's PyTorch starter")
    p.add_argument("--force", action="store_true", help=argparse.SUPPRESS)  # the old name of --fresh

    commands.add_parser("list", help="the katas, with the status of your attempts")

    p = commands.add_parser("bench", help="time grading of the reference solutions, isolated vs bare")
    p.add_argument("katas", nargs="*")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--commands", action="store_true", help="also time whole commands: python -m graders vs nox")
    p.add_argument("--sandbox", choices=MODES, default="auto")

    p = commands.add_parser("bank", help="grade a kata's reference, alternatives and mutants (maintainers)")
    p.add_argument("katas", nargs="*")
    add_fresh_inputs(p)
    p.add_argument("--sandbox", choices=MODES, default="auto")
    p.add_argument("--json", type=Path, metavar="OUT")

    p = commands.add_parser("prompt", help="a kata's problem statement (its prompt.md), rendered for the terminal")
    p.add_argument("kata")
    p.add_argument("--torch", action="store_true", help="the PyTorch version's (prompt_torch.md)")

    p = commands.add_parser("watch", help="re-grade your solution on every save, until Ctrl-C")
    p.add_argument("kata")
    p.add_argument("--torch", action="store_true", help="the PyTorch attempt (solutions/KATA_torch.py)")
    p.add_argument("--sandbox", choices=MODES, default="auto")

    p = commands.add_parser("hint", help="one more hint for a kata (each one is recorded)")
    p.add_argument("kata")
    p.add_argument("--torch", action="store_true", help="the PyTorch attempt (solutions/KATA_torch.py)")

    p = commands.add_parser("reveal", help="the reference solution: after a full pass, or with --give-up")
    p.add_argument("kata")
    p.add_argument("--give-up", action="store_true", help="see it without a pass (recorded as a give-up)")
    p.add_argument("--torch", action="store_true", help="the PyTorch attempt (solutions/KATA_torch.py)")

    p = commands.add_parser("drill", help="start the next kata that spaced repetition picks, from scratch")

    p = commands.add_parser("interview", help="a mock round: countdown, grade, then the follow-up questions")
    p.add_argument("kata", nargs="?", help="default: a kata drawn at random, weighted by how often it is asked")
    p.add_argument("--seed", type=int, help="for the random draw")
    p.add_argument("--minutes", type=float, help="the time allowed (default: the kata's minutes)")
    p.add_argument("--pick", action="store_true", help="print the kata the interview would be on, and stop")
    p.add_argument("--torch", action="store_true", help="in PyTorch (the kata's PyTorch attempt)")

    commands.add_parser("progress", help="your best time per kata against its target, and the trend")

    p = commands.add_parser("review", help="an interviewer's rubric review of your solution (advisory), by "
                                           "the command in KATA_REVIEWER, or a request to paste into a chat")
    p.add_argument("kata")
    p.add_argument("--print-request", action="store_true", help="print the request and stop")
    p.add_argument("--torch", action="store_true", help="the PyTorch attempt (solutions/KATA_torch.py)")
    p.add_argument("--solution", type=Path, help="review this file instead of solutions/KATA.py")
    p.add_argument("--markdown", type=Path, metavar="OUT", help="also append the review as markdown to OUT")

    p = commands.add_parser("readme", help="rewrite the README's kata table from kata.yaml and the hidden tests (maintainers)")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 when the table is out of date")

    p = commands.add_parser("scoreboard", help="the table of a run's results (terminal, CI job summary, PR comment)")
    p.add_argument("results_dir", nargs="?", type=Path, metavar="RESULTS_DIR",
                   help="a folder of KATA.json results, read as untrusted data (default: .results, your last grades)")
    p.add_argument("--markdown", type=Path, metavar="OUT", help="write the table as GitHub markdown")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the validated table as JSON")
    p.add_argument("--annotations", action="store_true", help="print a GitHub ::error annotation per failed kata")
    p.add_argument("--check", action="store_true", help="exit 1 when an attempted kata did not pass")

    args, unknown = parser.parse_known_args(argv)
    if unknown:  # argparse would blame the top-level usage; the subcommand's is the useful one
        _unrecognized(commands.choices[args.command], unknown)
    import importlib  # after parsing, so --help stays instant

    from graders.grade import GraderError
    from graders.repo import UsageError
    from graders.sandbox import SandboxUnavailable

    try:
        katas = load_manifest(args.root / "kata.yaml")
    except ManifestError as e:
        print(f"error: {e}", file=sys.stderr)
        return USAGE_ERROR
    try:
        module, function = COMMANDS[args.command].split(":")
        return getattr(importlib.import_module(module), function)(args, katas)
    except (UsageError, GraderError, SandboxUnavailable) as e:
        print(f"error: {e}", file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:  # the output went to a pager or `head` that has closed: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _interrupt_once(signum, frame):
    """Ctrl-C: KeyboardInterrupt once; later ones (a second Ctrl-C, nox passing the first one on) are
    ignored, so the clean-up that runs on the way out (killing workers, a reviewer) is not cut short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _unrecognized(parser, unknown):
    """Exit 2 with the subcommand's usage, naming the unknown arguments (and the nearest option)."""
    options = [o for action in parser._actions for o in action.option_strings]
    near = next((difflib.get_close_matches(a, options, n=1) for a in unknown if a.startswith("-")), [])
    parser.error(f"unrecognized arguments: {' '.join(unknown)}" + (f" (did you mean {near[0]}?)" if near else ""))


if __name__ == "__main__":
    sys.exit(main())
