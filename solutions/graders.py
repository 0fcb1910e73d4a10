"""`python -m graders` run inside solutions/ finds this file first: it runs the repository's own graders
(../graders), so every command works here as it does at the root. Not an attempt at a kata: never graded."""

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    ROOT = Path(__file__).resolve().parent.parent
    sys.path[0] = str(ROOT)  # where `python -m` put this folder: the real package is found instead
    runpy.run_module("graders", run_name="__main__", alter_sys=True)
