"""Stops its parent (the judge, without a sandbox) with SIGSTOP, and tries SIGKILL on every pid it
can see; then answers correctly."""
import os
import signal

from correct import add, check_positive  # noqa: F401


def echo(x):
    for pid in {os.getppid(), os.getpgid(0)}:
        try:
            os.kill(pid, signal.SIGSTOP)
        except OSError:
            pass
    return x
