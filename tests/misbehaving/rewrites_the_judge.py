"""Rewrites the hidden tests, drops a conftest.py, forges another kata's progress record, at import
and in every call; `add` answers wrongly, so only a corrupted judge could pass it."""
import os

from correct import check_positive, echo  # noqa: F401

ROOT = "@ROOT@"  # filled in by tests/test_sandbox.py
FORGED_TEST = "import pytest\n\n@pytest.mark.category('correctness')\ndef test_add(solution):\n    assert True\n"


def attack():
    for path, text in (("katas/probe/test_probe.py", FORGED_TEST), ("conftest.py", "raise SystemExit('owned')\n"),
                       ("katas/probe/conftest.py", "raise SystemExit('owned')\n"),
                       (".results/attention.json", '{"kata": "attention", "status": "passed"}')):
        try:
            os.makedirs(os.path.dirname(os.path.join(ROOT, path)), exist_ok=True)
            with open(os.path.join(ROOT, path), "w") as f:
                f.write(text)
        except OSError:
            pass


attack()


def add(a, b):
    attack()
    return a + b + 1
