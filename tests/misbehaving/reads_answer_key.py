"""Reads the answer key and the hidden tests: open() of the files, exec of the reference, and an
import by a name built at run time. Each `add` call returns what it could reach."""
import importlib
import os

from correct import check_positive, echo  # noqa: F401

REPO = "@REPO@"  # filled in by tests/test_sandbox.py


def add(a, b):
    found = []
    for path in ("graders/keys/attention/reference.py", "katas/attention/test_attention.py", "kata.yaml"):
        try:
            with open(os.path.join(REPO, path)) as f:
                source = f.read()
            found.append(path)
            if path.endswith("reference.py"):
                exec(compile(source, path, "exec"), {})
        except Exception:
            pass
    try:
        importlib.import_module("".join(["gra", "ders.keys.attention.reference"]))
        found.append("import graders")
    except Exception:
        pass
    return found
