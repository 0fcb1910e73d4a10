"""A setsid() child keeps the worker's output pipe open for a minute, then the call hangs."""
import os
import time

from correct import add, check_positive  # noqa: F401


def echo(x):
    if os.fork() == 0:
        os.setsid()
        time.sleep(60)
        os._exit(0)
    while True:
        time.sleep(1)
