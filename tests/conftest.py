"""Shared helpers for the repository's own tests."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SANDBOX_MODE = "require" if os.environ.get("CI") else "auto"  # CI has bubblewrap: no sandbox test is skipped there
ENGINE_KATA = Path(__file__).resolve().parent / "engine_kata"  # a tiny repo root with one kata, `probe`

collect_ignore = ["engine_kata", "misbehaving"]  # graded by the engine, not collected as our tests


def run_graders(*args, root=REPO, timeout=300, env=None):
    """`python -m graders --root ROOT ARGS...` as a learner runs it -> CompletedProcess (text)."""
    return subprocess.run([sys.executable, "-m", "graders", "--root", str(root), *map(str, args)],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env=None if env is None else {**os.environ, **env})


def grade_json(kata, solution, root, tmp_path):
    """Grade `solution` and return (the JSON result, the CompletedProcess)."""
    out = tmp_path / f"{kata}-{Path(solution).stem}.json"
    proc = run_graders("grade", kata, "--solution", solution, "--json", out, root=root)
    assert out.is_file(), f"no JSON written; exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return json.loads(out.read_text()), proc


@pytest.fixture
def probe_root(tmp_path):
    """A copy of the probe repo root that a test may change (its manifest, its solutions)."""
    import shutil

    root = tmp_path / "probe-root"
    shutil.copytree(ENGINE_KATA, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root
