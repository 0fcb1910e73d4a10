"""Hidden tests of the probe kata: each call crosses the worker boundary."""

import numpy as np
import pytest

from graders.check import assert_close, assert_dtype, assert_equal


@pytest.mark.category("correctness")
def test_echo_array(solution):
    x = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    out = solution.echo(x)
    assert_dtype(out, np.float32, "a float32 (2, 3) array")
    assert_close(out, x, "a float32 (2, 3) array", rtol=0, atol=0)
    assert np.allclose(out, x) and not np.allclose(out, x + 1)  # the judge's numpy, untouched by the solution


@pytest.mark.category("correctness")
def test_add(solution):
    assert_equal(solution.add(2, 3), 5, "2 + 3")


@pytest.mark.category("errors")
def test_rejects_non_positive(solution):
    with pytest.raises(ValueError):
        solution.check_positive(-1)


@pytest.mark.category("edge-case")
def test_plain_data_round_trip(solution):
    value = (1, [2.5, "a", None], {"k": np.int64(7)}, b"\x00\xff")
    assert_equal(solution.echo(value), value, "a nested tuple")


@pytest.mark.category("performance")
def test_add_arrays(solution):
    a = np.ones((100, 100))
    assert_close(solution.add(a, a), 2 * a, "two (100, 100) arrays")
