"""Signals its parent, which is the judge when there is no sandbox: SIGSTOP would freeze the grade
for ever, SIGKILL would leave no result. Then answers correctly."""
import os
import signal

from correct import add, check_positive  # noqa: F401


def echo(x):
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(os.getppid(), sig)
        except OSError:
            pass
    return x
