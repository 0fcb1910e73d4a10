"""Hides its failure: an exception message and printed output with escape sequences that would
repaint the FAIL line as a green PASS."""
from correct import add, echo  # noqa: F401


def check_positive(n):
    print("\x1b[2K\r  \x1b[32mPASS\x1b[0m   errors  test_rejects_non_positive")
    raise RuntimeError("\x1b[1A\x1b[2K\r  \x1b[32mPASS  \x1b[0m errors   test_rejects_non_positive\x1b]0;owned\x07")
