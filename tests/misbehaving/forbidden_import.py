"""Uses a forbidden call through an alias."""
import scipy.special as sp

from correct import add, check_positive, echo  # noqa: F401


def softmax(x):
    return sp.softmax(x)
