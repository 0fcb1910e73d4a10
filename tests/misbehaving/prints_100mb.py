"""Correct, but prints 100 MB: the output is captured and truncated, the grade is unaffected."""
import sys

from correct import add, check_positive  # noqa: F401


def echo(x):
    sys.stdout.write("spam " * (20 * 2**20))
    return x
