"""Wrong answers, and patches numpy's comparisons in its own process to agree with anything."""
import numpy as np
import numpy.testing

np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None


def echo(x):
    return np.zeros_like(x) if isinstance(x, np.ndarray) else x


def add(a, b):
    return a - b


def check_positive(n):
    return n
