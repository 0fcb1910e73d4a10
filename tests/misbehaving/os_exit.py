"""Calls os._exit(0) mid-test: the worker vanishes with a clean exit code; never `passed`."""
import os

from correct import add, check_positive  # noqa: F401


def echo(x):
    os._exit(0)
