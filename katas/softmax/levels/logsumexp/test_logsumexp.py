"""Hidden tests of the softmax kata's level `logsumexp` (both frameworks): logsumexp(x, axis=-1).

Expected values come from the float64 reference (graders/keys/softmax/levels/logsumexp/reference.py,
checked against torch.logsumexp in its test_oracle.py) or by hand (-inf for an all -inf slice, +inf
with a +inf entry, max + log(count) for equal entries). Tolerances:
  float64 in -> rtol 1e-12 with atol 1e-12: max-shift, np.logaddexp.reduce and Python-loop styles
                differ by a few ulp of the result (results O(1) to O(1e4); ulp(1e4) = 1.8e-12 is inside
                the rtol); the bugs here are off by far more, or are inf or NaN.
  float32 in -> rtol 1e-6, atol 1e-5 for results up to ~10 (ulp(8) = 9.5e-7 in float32; a float32 max-shift
                or logaddexp.reduce solution was measured at <= 7% of this bound over 300 random (5, 7)
                cases of magnitude ~3).
"""

import numpy as np
import pytest

from graders.check import as_array, assert_close, assert_shape, assert_unchanged, classic_causes
from graders.keys.softmax.levels.logsumexp import reference as ref

TOL64 = dict(rtol=1e-12, atol=1e-12)
TOL32 = dict(rtol=1e-6, atol=1e-5)

NO_SHIFT = ("overflow", "exp of entries near 1e4 overflows: subtract each slice's max (keepdims=True) before exp, "
                        "and add it back after the log")
INF_MINUS_INF = ("invalid value", "inf - inf is NaN: a slice whose max is -inf (all -inf) or +inf cannot be shifted by "
                                  "its max; shift such slices by 0 (np.where(np.isfinite(m), m, 0))")
LOG_OF_ZERO = ("divide by zero", "log(0) for an all -inf slice is -inf, as it should be, but it warns: compute it under "
                                 "np.errstate(divide='ignore'), or with np.where")
UNDERFLOW = ("divide by zero", "log(0): every exp of the slice underflowed to 0 because the max subtracted was not the "
                               "slice's own (a max over the whole array?); shift each slice by its own max")


def check(solution, x, case, axis=None, tol=TOL64, causes=()):
    """logsumexp(x[, axis]) has x's shape without axis and matches the reference."""
    with classic_causes(*causes):
        out = solution.logsumexp(x) if axis is None else solution.logsumexp(x, axis=axis)
    expected = ref.logsumexp(x) if axis is None else ref.logsumexp(x, axis=axis)
    assert_shape(out, expected.shape, case + " (the axis is removed: no keepdims)")
    return assert_close(out, expected, case, **tol)


@pytest.mark.category("correctness")
def test_random_rows_match_the_reference(solution, seed):
    x = 3.0 * np.random.default_rng(seed(0)).standard_normal((4, 7))      # (4, 7) float64
    check(solution, x, f"logsumexp of random (4, 7) float64 values, seed {seed(0)}")


@pytest.mark.category("correctness")
def test_equal_entries_give_max_plus_log_count(solution):
    x = np.full((2, 5), 1.5)                                               # (2, 5)
    out = check(solution, x, "logsumexp of rows of five equal entries 1.5")
    assert_close(out, np.full(2, 1.5 + np.log(5)), "logsumexp of five 1.5s is 1.5 + log(5)", **TOL64)


@pytest.mark.category("shapes")
def test_any_axis_of_a_3d_array(solution, seed):
    x = 2.0 * np.random.default_rng(seed(1)).standard_normal((3, 4, 5))    # (3, 4, 5)
    for axis in (0, 1, 2, -2):
        check(solution, x, f"logsumexp of a (3, 4, 5) array with axis={axis}", axis=axis)


@pytest.mark.category("shapes")
def test_a_1d_array_gives_one_number(solution, seed):
    x = np.random.default_rng(seed(2)).standard_normal(6)                  # (6,)
    check(solution, x, "logsumexp of a (6,) array")


@pytest.mark.category("numerical-stability")
def test_entries_of_magnitude_1e4_and_1e300(solution):
    x = np.array([[1e4, 1e4 - 1.0, -1e4, 5e3],
                  [1e300, 1e300, 0.0, -1e300],
                  [-1e4, -1e4 + 2.0, -1e4 - 3.0, -1e4]])                   # (3, 4)
    check(solution, x, "logsumexp of rows of magnitude 1e4 and 1e300", causes=(NO_SHIFT, UNDERFLOW))


@pytest.mark.category("numerical-stability")
def test_rows_of_very_different_scale(solution):
    # Each row is shifted by its own max: a max over the whole array leaves the second row 2000 below it,
    # where every exp underflows to 0 and the log is -inf.
    x = np.array([[1000.0, 999.0, 998.0, 1000.5],
                  [-1000.0, -1001.0, -999.0, -1000.5]])                     # (2, 4)
    check(solution, x, "logsumexp of a row near +1000 and a row near -1000", causes=(NO_SHIFT, UNDERFLOW))


@pytest.mark.category("numerical-stability")
def test_float32_values_are_accurate(solution, seed):
    # The values (the dtype is the dtype test's): float32 arithmetic inside is fine, within TOL32.
    x = (3.0 * np.random.default_rng(seed(3)).standard_normal((5, 7))).astype(np.float32)   # (5, 7)
    check(solution, x, f"logsumexp of float32 (5, 7) values of magnitude ~3, seed {seed(3)}", tol=TOL32)


@pytest.mark.category("edge-case")
def test_minus_inf_entries_count_for_nothing(solution, seed):
    x = np.random.default_rng(seed(4)).standard_normal((3, 6))             # (3, 6)
    x[0, [1, 4]] = -np.inf
    x[2, 0] = -np.inf
    out = check(solution, x, "logsumexp of rows with some -inf entries", causes=(INF_MINUS_INF,))
    kept = np.log(np.exp(x[0, [0, 2, 3, 5]]).sum())
    assert_close(out[0], kept, "a row with two -inf entries: the logsumexp of the other four", **TOL64)


@pytest.mark.category("edge-case")
def test_an_all_minus_inf_slice_gives_minus_inf(solution):
    x = np.array([[0.5, -np.inf, 2.0], [-np.inf, -np.inf, -np.inf], [1.0, 1.0, -np.inf]])   # (3, 3)
    check(solution, x, "logsumexp of a row that is all -inf (a fully masked row: -inf, not NaN)",
          causes=(INF_MINUS_INF, LOG_OF_ZERO))


@pytest.mark.category("edge-case")
def test_a_plus_inf_entry_gives_plus_inf(solution):
    x = np.array([[0.5, np.inf, 2.0], [np.inf, -np.inf, 1.0], [np.inf, np.inf, 3.0]])   # (3, 3)
    check(solution, x, "logsumexp of rows holding +inf (with -inf, or twice)", causes=(INF_MINUS_INF,))


@pytest.mark.category("dtype")
def test_float32_in_float32_out(solution, seed):
    x = np.random.default_rng(seed(5)).standard_normal((4, 5)).astype(np.float32)        # (4, 5)
    out = as_array(solution.logsumexp(x), "logsumexp of a float32 (4, 5) array", "a float32 array")
    if out.dtype != np.float32:
        try:
            assert_close(out, ref.logsumexp(x), "", **TOL32)
            also = ""
        except AssertionError:
            also = "; the values are wrong too: see the correctness tests"
        raise AssertionError(f"dtype {out.dtype} for logsumexp of a float32 array; expected float32 (keep the float "
                             f"dtype of x){also}")


@pytest.mark.category("side-effects")
def test_the_input_is_not_modified(solution, seed):
    x = 2.0 * np.random.default_rng(seed(6)).standard_normal((3, 4))      # (3, 4)
    _, (after,), _ = solution.logsumexp.with_inputs(x.copy())
    assert_unchanged(after, x, "x", "logsumexp of a (3, 4) array")
