"""The judge's comparisons (graders/check.py): kinds are part of the answer, and a message never
formats more than a bounded summary of what the solution returned."""

import numpy as np
import pytest

from graders.check import assert_close, assert_equal, assert_ints, summary


@pytest.mark.parametrize("actual, expected", [
    ([256.0, 97], [256, 97]),                          # float token ids equal to the right ints
    ([(97.0, 97), (256, 97)], [(97, 97), (256, 97)]),  # a merge pair holding a float
    (np.array([0.0, 1.0, 1.0]), np.array([0, 1, 1])),  # float labels
    (3.0, 3),                                          # a float from `sample`
    (True, 1),                                         # a bool is not an int
    ([np.float64(2)], [2]),
])
def test_a_value_equal_to_the_ints_but_not_ints_fails(actual, expected):
    with pytest.raises(AssertionError, match="expected an int"):
        assert_equal(actual, expected, "the case")


@pytest.mark.parametrize("actual, expected", [
    ([np.int64(256), 97], [256, 97]), ((1, 2), [1, 2]), (np.array([0, 1], dtype=np.int32), np.array([0, 1])),
    (np.int64(3), 3), ([["a", "b"]], [("a", "b")]), ([2.5, "a", None], [2.5, "a", None]),
])
def test_ints_of_any_integer_kind_and_non_int_values_pass(actual, expected):
    assert_equal(actual, expected, "the case")


def test_assert_ints_walks_lists_tuples_and_arrays():
    assert_ints([np.uint8(1), (2, np.array([3, 4]))], "nested ints")
    for bad, where in (([1, (2, 3.0)], r"at \[1\]\[1\]"), (np.array([1.0]), "dtype float64"), ([False], "bool")):
        with pytest.raises(AssertionError, match=where):
            assert_ints(bad, "the case")


def test_a_complex_result_for_real_inputs_fails_even_with_zero_imaginary_part():
    expected = np.arange(6.0).reshape(2, 3)
    with pytest.raises(AssertionError, match="complex"):
        assert_close(expected.astype(np.complex128), expected, "a real convolution")
    assert_close(expected.astype(np.complex128), expected.astype(np.complex128), "a complex one")


@pytest.mark.parametrize("value", [bytes(64 * 2**20), "x" * 10**7, list(range(10**6)), np.zeros((4000, 4000)),
                                   {i: "v" * 10**5 for i in range(100)}, [["y" * 10**6] * 3] * 3])
def test_summary_is_bounded_and_says_the_size(value):
    text = summary(value)
    assert len(text) < 500, text[:600]
    size = value.shape if isinstance(value, np.ndarray) else f"{len(value):,}"
    assert str(size) in text or len(value) <= 8, text


def test_a_mismatch_message_formats_a_summary_not_the_value():
    with pytest.raises(AssertionError) as caught:
        assert_equal(bytes(32 * 2**20), 5, "2 + 3")
    assert len(str(caught.value)) < 600 and "33,554,432" in str(caught.value)
