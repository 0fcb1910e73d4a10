"""Comparisons the hidden tests make, in the judge: messages say what went wrong, with numbers.

Every helper takes `case`, a few words naming the input ("a fully masked query row"), and
raises AssertionError with a message a learner can act on. A message shows what came back through
`summary` (type, shape, length, first values), never a full repr: a reply may be hundreds of MB.
"""

import math
import reprlib
from contextlib import contextmanager

import numpy as np

from graders.session import SolutionRaised


def _where(index):
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


SUMMARY_CHARS = 300  # of a reply's repr in a message (then its type and size)


class _BoundedRepr(reprlib.Repr):
    """reprlib's bounded repr, extended to the other types a reply holds (bytes, ndarrays)."""

    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxdict, self.maxstring, self.maxlong = 3, 8, 8, 6, 80, 40

    def repr_bytes(self, x, level):
        return repr(x[:self.maxstring]) + ("..." if len(x) > self.maxstring else "")

    def repr_ndarray(self, x, level):
        if x.size <= self.maxlist:
            return repr(x)
        first = np.array2string(x.reshape(-1)[:self.maxlist // 2], separator=", ")[1:-1]
        return f"array of shape {x.shape}, dtype {x.dtype}: [{first}, ...]"


_BOUNDED = _BoundedRepr()


def summary(value):
    """What the solution returned, for a message, in at most a few hundred characters: its repr when
    short, else its type, size and first values (an array: shape, dtype, first values)."""
    text = _BOUNDED.repr(value)
    text = text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS - 3] + "..."
    if isinstance(value, (str, bytes)) and len(value) > _BOUNDED.maxstring:
        return f"{text} (a {type(value).__name__} of length {len(value):,})"
    if isinstance(value, (list, tuple, dict)) and len(value) > _BOUNDED.maxlist:
        return f"{text} (a {type(value).__name__} of {len(value):,} items)"
    return text


def as_array(actual, case, what="an array"):
    """The solution's result as an ndarray (NumPy scalars and Python numbers allowed)."""
    if isinstance(actual, np.ndarray):
        return actual
    if isinstance(actual, (int, float, np.generic)) and not isinstance(actual, bool):
        return np.asarray(actual)
    raise AssertionError(f"returned {_type_name(actual)} for {case}; expected {what}")


def _type_name(value):
    """The type of a result; for an object left in the worker (a RemoteObject), the solution's type."""
    handle = getattr(value, "_handle", None)
    return f"a {handle.type_name} object" if handle is not None else type(value).__name__


def assert_shape(actual, shape, case):
    actual = as_array(actual, case, f"an array of shape {tuple(shape)}")
    if actual.shape != tuple(shape):
        raise AssertionError(f"shape {actual.shape} for {case}; expected {tuple(shape)}")
    return actual


def assert_dtype(actual, dtype, case):
    actual = as_array(actual, case, f"a {np.dtype(dtype)} array")
    if actual.dtype != np.dtype(dtype):
        raise AssertionError(f"dtype {actual.dtype} for {case}; expected {np.dtype(dtype)} (keep the input's dtype)")
    return actual


def assert_finite(actual, case):
    actual = as_array(actual, case)
    bad = ~np.isfinite(actual)
    if bad.any():
        index = np.argwhere(bad)[0]
        raise AssertionError(f"{actual[tuple(index)]} at {_where(index)} for {case}; expected finite values")
    return actual


def assert_close(actual, expected, case, rtol=1e-6, atol=1e-8):
    """Elementwise |actual - expected| <= atol + rtol * |expected|; NaN/inf must match exactly."""
    expected = np.asarray(expected)
    actual = assert_shape(actual, expected.shape, case)
    if actual.dtype.kind == "c" and expected.dtype.kind != "c":
        raise AssertionError(f"a complex result (dtype {actual.dtype}) for {case}; expected real values")
    a = actual.astype(np.float64) if actual.dtype.kind in "biuf" else actual
    e = expected.astype(np.float64) if expected.dtype.kind in "biuf" else expected
    with np.errstate(invalid="ignore", over="ignore"):
        same_nonfinite = (np.isnan(a) & np.isnan(e)) | (np.isinf(a) & (a == e))
        error = np.where(same_nonfinite, 0.0, np.abs(a - e))
        error = np.where(np.isnan(error), np.inf, error)
        bad = error > atol + rtol * np.abs(np.where(np.isfinite(e), e, 0.0))
    if bad.any():
        worst = np.unravel_index(np.argmax(np.where(bad, error, -1.0)), bad.shape) if bad.ndim else ()
        got, want = a[worst], e[worst]
        where = f" at {_where(worst)}" if bad.ndim else ""
        raise AssertionError(
            f"max abs error {error[worst]:.2e}{where} (got {got:.6g}, expected {want:.6g}) for {case}; "
            f"{int(bad.sum())} of {bad.size} values outside rtol={rtol:g}, atol={atol:g}")
    return actual


def assert_equal(actual, expected, case):
    """Exact equality for ints, lists of tokens, label arrays; where `expected` holds an int, `actual`
    must hold an int too (Python or NumPy, not a bool, not a float equal to it)."""
    if isinstance(expected, np.ndarray):
        actual = assert_shape(actual, expected.shape, case)
        mismatch = actual != expected
        if mismatch.any():
            index = np.argwhere(mismatch)[0] if mismatch.ndim else ()
            raise AssertionError(f"{actual[tuple(index)]} at {_where(index)} for {case}; expected "
                                 f"{expected[tuple(index)]} ({int(mismatch.sum())} of {mismatch.size} differ)")
    elif _size(actual) != _size(expected) or _normalize(actual) != _normalize(expected):
        raise AssertionError(f"returned {summary(actual)} for {case}; expected {summary(expected)}")
    wrong = _int_expected_not_int(actual, expected)
    if wrong is not None:
        where, value = wrong
        raise AssertionError(f"{_kind(value)} {summary(value)}{_at(where)} for {case}; expected an int "
                             "(a Python int or NumPy integer): the contract types it int")
    return actual


def assert_ints(actual, case, what="ints"):
    """Every number in `actual` (a number, nested lists or tuples of numbers, or an array) is an int:
    a Python int or a NumPy integer, never a bool or a float equal to one."""
    wrong = _first_non_int(actual)
    if wrong is not None:
        where, value = wrong
        raise AssertionError(f"{_kind(value)} {summary(value)}{_at(where)} for {case}; expected {what} "
                             "(a Python int or NumPy integer): the contract types it int")
    return actual


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _at(where):
    return f" at {where}" if where else ""


def _kind(value):
    return f"an array of dtype {value.dtype}" if isinstance(value, np.ndarray) else f"a {type(value).__name__}"


def _first_non_int(value, where=""):
    """(where, value) of the first number in `value` that is not an int, or None."""
    if isinstance(value, np.ndarray):
        return None if value.dtype.kind in "iu" else (where, value)
    if isinstance(value, (list, tuple)):
        return next((w for i, v in enumerate(value) if (w := _first_non_int(v, f"{where}[{i}]")) is not None), None)
    return None if _is_int(value) else (where, value)


def _int_expected_not_int(actual, expected, where=""):
    """(where, value) of the first place `expected` holds an int and `actual`, equal to it, does not."""
    if isinstance(expected, np.ndarray):
        return _first_non_int(actual, where) if expected.dtype.kind in "iu" else None
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple, np.ndarray)):
        return next((w for i, (a, e) in enumerate(zip(actual, expected))
                     if (w := _int_expected_not_int(a, e, f"{where}[{i}]")) is not None), None)
    if _is_int(expected):
        return _first_non_int(actual, where)
    return None


def assert_scalar_close(actual, expected, case, rtol=1e-6, atol=1e-8):
    """A float result (Python float or NumPy scalar, or a 0-d array)."""
    actual = as_array(actual, case, "a number")
    if actual.shape != ():
        raise AssertionError(f"returned an array of shape {actual.shape} for {case}; expected a single number")
    return assert_close(actual, np.asarray(expected, dtype=np.float64), case, rtol=rtol, atol=atol)


def _size(v):
    """How many numbers (or other leaves) a value holds: arrays and nested lists alike, without
    converting a large array to a list."""
    if isinstance(v, np.ndarray):
        return v.size
    return sum(_size(x) for x in v) if isinstance(v, (list, tuple)) else 1


def _normalize(v):
    """Compare ints from NumPy and Python alike, tuples and lists alike."""
    if isinstance(v, (list, tuple)):
        return [_normalize(x) for x in v]
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


def assert_unchanged(after, before, name, case):
    """An input the solution must not modify in place, as the solution left it (see `with_inputs`)."""
    before = np.asarray(before)
    if not isinstance(after, np.ndarray) or after.shape != before.shape or not np.array_equal(after, before, equal_nan=True):
        raise AssertionError(f"the solution modified its input `{name}` in place for {case}; inputs must be left as they are")


@contextmanager
def classic_cause(hint, raised=("RuntimeWarning",)):
    """A warning (or exception) of a `raised` kind from the solution inside the block fails the test
    with `hint`, the classic bug behind it, e.g.
        with classic_cause("a query row whose keys are all masked? check the mask's polarity"): ..."""
    try:
        yield
    except SolutionRaised as e:
        if not any(kind in e.bases for kind in raised):
            raise
        where = f"\n{e.traceback.rstrip()}" if e.traceback else ""
        raise AssertionError(f"the solution raised {e}: {hint}{where}") from None


@contextmanager
def classic_causes(*causes, raised=("RuntimeWarning", "ValueError", "IndexError")):
    """`classic_cause` with the hint picked by what the solution raised: `causes` are (words, hint)
    pairs, the first whose words occur in the warning or exception names the cause; anything else
    the solution raises passes through unchanged."""
    try:
        yield
    except SolutionRaised as e:
        hint = next((hint for words, hint in causes if words in str(e)), None)
        if hint is None:
            raise
        with classic_cause(hint, raised=raised):
            raise e


def chi2_sf(x, df):
    """P(X >= x) for X ~ chi-square with an integer df >= 1: the regularized upper incomplete gamma
    Q(df/2, x/2) in closed form (a finite sum for even df; erfc plus a finite sum for odd df)."""
    h = x / 2.0
    if df % 2 == 0:                                   # exp(-h) * sum_{i < df/2} h^i / i!
        term = total = 1.0
        for i in range(1, df // 2):
            term *= h / i
            total += term
        return math.exp(-h) * total
    total, term = math.erfc(math.sqrt(h)), math.sqrt(h) / math.gamma(1.5)
    for i in range(1, (df + 1) // 2):                 # + exp(-h) * sum_{i <= (df-1)/2} h^(i-1/2) / Gamma(i+1/2)
        total += math.exp(-h) * term
        term *= h / (i + 0.5)
    return total
