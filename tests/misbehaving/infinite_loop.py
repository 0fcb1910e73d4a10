"""Hangs in every call: each test must end as timeout, the kata within its limits."""
from correct import check_positive  # noqa: F401


def echo(x):
    while True:
        pass


def add(a, b):
    while True:
        pass
