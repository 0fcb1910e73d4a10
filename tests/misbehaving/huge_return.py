"""Returns a value over the wire limit (a 600 MB array): refused, not read into the judge."""
import numpy as np

from correct import add, check_positive  # noqa: F401


def echo(x):
    return np.zeros(600 * 2**20, dtype=np.uint8)
