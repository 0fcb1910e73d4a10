"""Calls sys.exit(0) mid-test."""
import sys

from correct import add, echo  # noqa: F401


def check_positive(n):
    sys.exit(0)
