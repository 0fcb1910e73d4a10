"""Dereferences a null pointer: the worker dies with SIGSEGV."""
import ctypes

from correct import add, check_positive  # noqa: F401


def echo(x):
    return ctypes.string_at(0)
