"""What the GitHub workflows run, in Python so that it is tested here (tests/test_ci_*.py).

Grading (.github/workflows/grade.yml). For a pull request this file is taken from the BASE
commit (`git show BASE:graders/ci.py > ci.py`), so the code that restores the trusted files is
never the pull request's; `restore` and `grade` use the standard library only, run as a file:

    python3 ci.py restore --base BASE_SHA --out restore.json
        the work tree becomes the base commit's, except solutions/, which stays the PR's
    python ci.py grade --results DIR [--restored restore.json] [--event E --pr N --head-sha SHA]
        writes DIR/run-context.json, runs `nox -s grade` (or the same command bare with
        --runner python), then `nox -s scoreboard`: job summary, ::error annotations, exit code
    python ci.py review --results DIR          (push events only, with the KATA_REVIEWER secret)
        the advisory interviewer review of each kata that passed, under the scoreboard

Verified grading (.github/workflows/verify.yml, the default branch's code, never the PR's):

    python3 graders/ci.py take --sha HEAD_SHA
        solutions/ becomes the PR head commit's solutions/*.py, read as blobs with git (data,
        never a checkout of the PR's tree); then `grade ... --sandbox require --fresh-inputs`
        (every seeded hidden test also runs on inputs drawn at grade time: no canned answers)

Commenting (.github/workflows/scoreboard.yml, the default branch's code, never the PR's):

    python -m graders.ci comment --results DIR --head-sha SHA --repo OWNER/NAME [--verified]   (GITHUB_TOKEN)
        validates the downloaded artifact (against this checkout's katas and hidden tests), finds
        the open PR by head SHA, lists the files it changed (from the API, not the artifact), and
        creates or updates the one marked comment: "verified" when the artifact came from
        verify.yml, "self-reported" otherwise, which never replaces a verified one
"""

import argparse
import dataclasses
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

LEARNER_DIR = "solutions"       # the only part of a pull request that is graded
CONTEXT_FILE = "run-context.json"
SHA = re.compile(r"^[0-9a-f]{40}$")
REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
BOT_LOGIN = "github-actions[bot]"  # who GITHUB_TOKEN comments as
MARKER = "<!-- kata-gym-scoreboard -->"  # graders.scoreboard.MARKER (kept here: no package imports above)


class CiError(Exception):
    """A step cannot go on (a git command failed, the artifact is for another commit)."""


# -- restore (standard library only) -----------------------------------------------------------

def git(repo, *args):
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        raise CiError(f"git {' '.join(args)} failed: {proc.stderr.strip()[-2000:]}")
    return proc.stdout


def is_learner_path(path):
    return path == LEARNER_DIR or path.startswith(LEARNER_DIR + "/")


def restore(repo, base):
    """Make the work tree of `repo` the `base` commit's, except solutions/, which keeps the files
    of the checked-out commit (the PR). Returns {"base_sha", "head_sha", "touched", "dropped"}:
    touched = paths the PR changed outside solutions/ (none of them counts any more),
    dropped = entries of solutions/ that are not regular files (symlinks), removed."""
    repo = Path(repo)
    head = git(repo, "rev-parse", "--verify", "HEAD^{commit}").strip()
    base = git(repo, "rev-parse", "--verify", f"{base}^{{commit}}").strip()
    changed = git(repo, "diff", "--name-only", "--no-renames", "-z", base, head).split("\0")
    touched = sorted(p for p in changed if p and not is_learner_path(p))
    has_solutions = bool(git(repo, "ls-tree", "--name-only", head, "--", LEARNER_DIR).strip())
    # --force: tracked files of the PR that the base lacks are removed, changed ones replaced
    git(repo, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", base)
    shutil.rmtree(repo / LEARNER_DIR, ignore_errors=True)
    if has_solutions:
        git(repo, "checkout", "--quiet", head, "--", LEARNER_DIR)
    return {"base_sha": base, "head_sha": head, "touched": touched, "dropped": _drop_non_files(repo / LEARNER_DIR)}


def _drop_non_files(folder):
    """Remove symlinks (and anything else but files and folders) under `folder`, or `folder`
    itself if it is one; their paths."""
    if folder.is_symlink():
        folder.unlink()
        return [folder.name]
    dropped = []
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if path.is_symlink() or not (path.is_dir() or path.is_file()):
                path.unlink()
                dropped.append(str(path.relative_to(folder.parent)))
        dirnames[:] = [d for d in dirnames if (Path(dirpath) / d).is_dir()]
    return sorted(dropped)


SOLUTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.py$")
MAX_SOLUTION_BYTES = 1 << 20


def take(repo, sha):
    """Replace `repo`/solutions/ by the files solutions/*.py of commit `sha`, read as git blobs:
    regular files only (no symlinks, no submodules, no subfolders), at most 1 MiB each.
    -> {"taken": [paths], "skipped": [paths]}."""
    repo = Path(repo)
    sha = git(repo, "rev-parse", "--verify", f"{sha}^{{commit}}").strip()
    listing = git(repo, "ls-tree", "-z", "-r", "--long", sha, "--", f"{LEARNER_DIR}/").split("\0")
    shutil.rmtree(repo / LEARNER_DIR, ignore_errors=True)
    (repo / LEARNER_DIR).mkdir()
    taken, skipped = [], []
    for entry in filter(None, listing):
        meta, path = entry.split("\t", 1)
        mode, kind, blob, size = meta.split()
        name = path[len(LEARNER_DIR) + 1:]
        if kind != "blob" or mode not in ("100644", "100755") or not SOLUTION_NAME.match(name) \
                or int(size) > MAX_SOLUTION_BYTES:
            skipped.append(path)
            continue
        content = subprocess.run(["git", "-C", str(repo), "cat-file", "blob", blob], capture_output=True, check=True).stdout
        (repo / LEARNER_DIR / name).write_bytes(content)
        taken.append(path)
    return {"taken": taken, "skipped": skipped}


# -- grade (standard library only) -------------------------------------------------------------

def grade_commands(runner, results, summary, sandbox="auto", fresh_inputs=False):
    """The grading command and the scoreboard command: nox sessions, or the same commands bare."""
    board = [str(results), "--annotations", "--check", *(["--markdown", str(summary)] if summary else [])]
    options = [f"--results-dir={results}", f"--sandbox={sandbox}", *(["--fresh-inputs"] if fresh_inputs else [])]
    if runner == "nox":
        return ["nox", "-s", "grade", "--", *options], ["nox", "-s", "scoreboard", "--", *board]
    python = [sys.executable, "-m", "graders"]
    return [*python, "grade", *options], [*python, "scoreboard", *board]


def record_crash(repo, results, exit_code):
    """After a grade that broke off: an `error` result for every kata that has a solution and hidden
    tests but no result file, so that the scoreboard shows the failure, not "not attempted"."""
    for solution in sorted((Path(repo) / LEARNER_DIR).glob("*.py")):
        target = Path(results) / f"{solution.stem}.json"
        if target.exists() or not any((Path(repo) / "katas" / solution.stem).glob("test_*.py")):
            continue
        target.write_text(json.dumps({
            "kata": solution.stem, "status": "error", "passed": 0, "total": 0, "duration_s": 0.0, "sandbox": False,
            "message": f"grading broke off (exit code {exit_code}) before this kata's result was written: "
                       "see the job's log", "sandbox_note": "", "tests": []}, indent=2) + "\n")


def grade(repo, results, runner="nox", summary=None, context=None, sandbox="auto", fresh_inputs=False):
    """Grade every solution into `results` (`fresh_inputs`: on inputs drawn at grade time too) and
    render the scoreboard; the exit code: 0 when every attempted kata passed, 1 when one did not,
    2 when grading itself broke (its katas without a result are then `error` on the scoreboard)."""
    results = Path(results)
    results.mkdir(parents=True, exist_ok=True)
    (results / CONTEXT_FILE).write_text(json.dumps(context, indent=2) + "\n")
    grade_command, board_command = grade_commands(runner, results.resolve(), summary, sandbox, fresh_inputs)
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    token = secrets.token_hex(16)
    if in_actions:  # nothing a solution or a test prints can be read as a workflow command
        print(f"::stop-commands::{token}", flush=True)
    try:
        graded = subprocess.run(grade_command, cwd=repo).returncode
    finally:
        if in_actions:
            print(f"::{token}::", flush=True)
    if graded not in (0, 1):
        record_crash(repo, results, graded)
    scored = subprocess.run(board_command, cwd=repo).returncode
    if graded not in (0, 1):
        print(f"error: grading exited with code {graded}: the results are incomplete", file=sys.stderr)
        return 2
    return scored


def review(results, summary, runner="nox"):
    """The advisory interviewer review of every kata that passed in `results`, appended to the job
    summary under the scoreboard; a no-op without KATA_REVIEWER. Never fails the job: exit code 0."""
    if not os.environ.get("KATA_REVIEWER", "").strip():
        print("no KATA_REVIEWER secret: no interviewer review")
        return 0
    passed = []
    for path in sorted(Path(results).glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("status") == "passed" and re.fullmatch(r"[a-z][a-z0-9_]*", str(data.get("kata"))):
            passed.append(data["kata"])
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write("\n## Interviewer review (advisory: it never changes pass or fail)\n\n"
                    + ("" if passed else "No kata passed in this run: nothing to review.\n"))
    for key in passed:
        markdown = ["--markdown", str(summary)] if summary else []
        kata = [key[:-len("_torch")], "--torch"] if key.endswith("_torch") else [key]  # an attempt's key
        command = (["nox", "-s", "review", "--", *kata, *markdown] if runner == "nox"
                   else [sys.executable, "-m", "graders", "review", *kata, *markdown])
        subprocess.run(command)
    return 0


# -- comment (the trusted workflow; imports the package) ---------------------------------------

class GitHubApi:
    """The few REST calls the commenter makes, with the workflow's token."""

    def __init__(self, repo, token, url="https://api.github.com"):
        if not REPO.match(repo):
            raise CiError(f"not a repository name: {repo!r}")
        self.repo, self.token, self.url = repo, token, url.rstrip("/")

    def call(self, method, path, body=None):
        """-> (parsed JSON, the next page's URL or None). `path` is relative to the repository."""
        url = path if path.startswith("https://") else f"{self.url}/repos/{self.repo}/{path}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "kata-gym-scoreboard"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                links = response.headers.get("Link") or ""
                payload = json.loads(response.read(32 * 2**20) or b"null")
        except urllib.error.HTTPError as e:
            raise CiError(f"GitHub API {method} {url}: HTTP {e.code}") from None
        following = re.search(r'<(https://[^>]+)>;\s*rel="next"', links)
        return payload, following[1] if following and following[1].startswith(self.url + "/") else None

    def pages(self, path, max_pages=30):
        """Every item of a paginated list (at most `max_pages` pages of 100)."""
        url = f"{path}{'&' if '?' in path else '?'}per_page=100"
        for _ in range(max_pages):
            items, url = self.call("GET", url)
            yield from items
            if not url:
                return


def open_pulls_with_head(api, head_sha):
    """Open pull requests whose head commit is `head_sha` (also those from forks)."""
    return [p for p in api.pages("pulls?state=open&sort=updated&direction=desc", max_pages=10)
            if p.get("head", {}).get("sha") == head_sha]


def changed_paths(api, number):
    """Paths a pull request changes (the API lists at most 3,000)."""
    return sorted({f["filename"] for f in api.pages(f"pulls/{number}/files") if isinstance(f.get("filename"), str)})


def upsert_comment(api, number, body, keep_if=None):
    """Update this workflow's marked comment on the PR, or create it; leave it as it is when its body
    contains `keep_if`. -> "updated" / "created" / "kept"."""
    for item in api.pages(f"issues/{number}/comments"):
        if item.get("user", {}).get("login") == BOT_LOGIN and str(item.get("body", "")).startswith(MARKER):
            if keep_if and keep_if in str(item.get("body", "")):
                return "kept"
            api.call("PATCH", f"issues/comments/{int(item['id'])}", {"body": body})
            return "updated"
    api.call("POST", f"issues/{number}/comments", {"body": body})
    return "created"


def hidden_test_names(root, katas):
    """{kata: names of the test functions in katas/<kata>/test_*.py}, read from this checkout's AST; a
    level's under `kata:level`, from katas/<kata>/levels/<level>/test_*.py."""
    import ast

    names = {}
    folders = {kata_id: Path(root) / "katas" / kata_id for kata_id in katas}
    folders.update({f"{kata.id}:{level.id}": Path(root) / "katas" / kata.id / "levels" / level.id
                    for kata in katas.values() for level in kata.levels})
    for name, folder in folders.items():
        names[name] = set()
        for path in folder.glob("test_*.py"):
            names[name] |= {node.name for node in ast.parse(path.read_text()).body
                            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}
    return names


def head_of(results):
    """The head commit SHA that a results folder's run-context.json names (validated), for verify.yml's
    artifact: that run's own head is the default branch's."""
    from graders import scoreboard

    try:
        context = scoreboard.validate_context(scoreboard.read_json(Path(results) / CONTEXT_FILE))
    except scoreboard.Invalid as e:
        raise CiError(f"{CONTEXT_FILE}: {e}") from None
    if context.head_sha is None:
        raise CiError(f"{CONTEXT_FILE} names no head commit")
    return context.head_sha


def comment(results, head_sha, api, root, verified=False):
    """Validate the artifact, find the PR of `head_sha`, and create or update its scoreboard comment,
    marked verified (the artifact of verify.yml) or self-reported (of a job the PR controls)."""
    from graders import scoreboard
    from graders.manifest import load_manifest
    from graders.repo import Paths, ready_katas

    if not SHA.match(head_sha):
        raise CiError("--head-sha is not a commit SHA")
    try:
        katas = load_manifest(Path(root) / "kata.yaml")
        board = scoreboard.load_board(results, katas, hidden_test_names(root, katas),
                                      ready=ready_katas(katas, Paths(Path(root))))
    except scoreboard.ScoreboardError as e:
        raise CiError(str(e)) from None
    board = dataclasses.replace(board, verified=verified)
    if board.context is None or board.context.head_sha != head_sha:
        raise CiError("the results artifact is not for this run's head commit: nothing is posted")
    pulls = open_pulls_with_head(api, head_sha)
    if board.context.pr is not None:
        pulls = [p for p in pulls if p.get("number") == board.context.pr]
    if not pulls:
        print(f"no open pull request has head {head_sha[:7]} (closed, or pushed again since): nothing to post")
        return 0
    for pull in pulls:
        number = int(pull["number"])
        base_sha = pull.get("base", {}).get("sha")
        touched = [p for p in changed_paths(api, number) if not is_learner_path(p)]
        trusted = scoreboard.with_pull_request(board, number, base_sha if SHA.match(str(base_sha)) else None, touched)
        keep_if = None if verified else scoreboard.verified_tag(head_sha)  # never self-reported over verified
        print(f"#{number}: comment {upsert_comment(api, number, scoreboard.render_markdown(trusted), keep_if)}")
    return 0


# -- command line ------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(prog="ci.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("restore", help="make the work tree the base commit's, except solutions/")
    p.add_argument("--repo", type=Path, default=Path.cwd())
    p.add_argument("--base", default="", help="the base commit; empty: not a pull request, nothing to restore")
    p.add_argument("--out", type=Path, required=True, help="write what was restored here (JSON)")
    p = commands.add_parser("grade", help="grade every solution and render the scoreboard")
    p.add_argument("--repo", type=Path, default=Path.cwd())
    p.add_argument("--results", type=Path, required=True)
    p.add_argument("--restored", type=Path, help="the JSON that `restore` wrote")
    p.add_argument("--event", default="local", choices=("push", "pull_request", "workflow_dispatch", "local"))
    p.add_argument("--pr", default="", help="the pull-request number, if any")
    p.add_argument("--head-sha", default="", help="the commit graded (a PR's head, not its merge commit)")
    p.add_argument("--runner", default="nox", choices=("nox", "python"),
                   help="nox sessions (CI, learners) or the same `python -m graders` commands bare")
    p.add_argument("--summary", type=Path, default=os.environ.get("GITHUB_STEP_SUMMARY") or None,
                   help="write the markdown scoreboard here (default: $GITHUB_STEP_SUMMARY)")
    p.add_argument("--sandbox", default="auto", choices=("auto", "require", "off"))
    p.add_argument("--fresh-inputs", action="store_true",
                   help="also run every seeded hidden test on inputs drawn at grade time (the verified grade)")
    p = commands.add_parser("review", help="the advisory interviewer review of the katas that passed (KATA_REVIEWER)")
    p.add_argument("--results", type=Path, required=True)
    p.add_argument("--runner", default="nox", choices=("nox", "python"))
    p.add_argument("--summary", type=Path, default=os.environ.get("GITHUB_STEP_SUMMARY") or None)
    p = commands.add_parser("take", help="solutions/ becomes commit SHA's solutions/*.py, read as git blobs")
    p.add_argument("--repo", type=Path, default=Path.cwd())
    p.add_argument("--sha", required=True)
    p = commands.add_parser("head", help="print the head commit a results folder's run context names")
    p.add_argument("--results", type=Path, required=True)
    p = commands.add_parser("comment", help="post the scoreboard of a grading artifact on its PR")
    p.add_argument("--results", type=Path, required=True)
    p.add_argument("--head-sha", required=True)
    p.add_argument("--repo", required=True, help="OWNER/NAME")
    p.add_argument("--verified", action="store_true", help="the artifact came from the trusted verify.yml")
    args = parser.parse_args(argv)
    try:
        if args.command == "restore":
            done = restore(args.repo, args.base) if args.base else {"base_sha": None, "touched": [], "dropped": []}
            args.out.write_text(json.dumps(done, indent=2) + "\n")
            for path in done["dropped"]:
                print(f"warning: {path} is not a regular file; it was removed before grading")
            print(f"restored everything outside {LEARNER_DIR}/ from {done['base_sha']}; the PR changed "
                  f"{len(done['touched'])} file(s) there" if args.base else "not a pull request: nothing to restore")
            return 0
        if args.command == "grade":
            restored = json.loads(args.restored.read_text()) if args.restored else {"base_sha": None, "touched": []}
            context = {"event": args.event, "pr": int(args.pr) if args.pr else None,
                       "head_sha": args.head_sha or None, "base_sha": restored["base_sha"],
                       "touched": restored["touched"]}
            return grade(args.repo, args.results, args.runner, args.summary, context, args.sandbox, args.fresh_inputs)
        if args.command == "review":
            return review(args.results, args.summary, args.runner)
        if args.command == "take":
            if not SHA.match(args.sha):
                raise CiError("--sha is not a commit SHA")
            done = take(args.repo, args.sha)
            print(f"took {len(done['taken'])} solution file(s) from {args.sha[:7]}: {', '.join(done['taken']) or 'none'}")
            for path in done["skipped"]:
                print(f"warning: {path} is not a solutions/*.py file of at most 1 MiB; it is not graded")
            return 0
        if args.command == "head":
            print(head_of(args.results))
            return 0
        api = GitHubApi(args.repo, os.environ["GITHUB_TOKEN"], os.environ.get("GITHUB_API_URL", "https://api.github.com"))
        return comment(args.results, args.head_sha, api, Path(__file__).resolve().parent.parent, args.verified)
    except CiError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
