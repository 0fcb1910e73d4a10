"""Allocates 50 GB: the memory rlimit turns it into MemoryError, status memory."""
import numpy as np

from correct import add, check_positive  # noqa: F401


def echo(x):
    big = np.ones(50 * 10**9 // 8)
    return big[:1]
