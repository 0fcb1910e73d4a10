"""Hidden tests of the `softmax` kata: softmax, log_softmax, cross_entropy, cross_entropy_grad.

Expected values come from the float64 reference (graders/keys/softmax/reference.py) or are derived by
hand (log(V) for all-zero logits, exact zeros at -inf logits and ignored positions). Tolerances:
  float64 in -> rtol 1e-10 with a small atol: correct styles (max-shift then exp / sum,
                exp(x - logsumexp), np.logaddexp.reduce, Python loops) differ only by rounding,
                a few ulp; the bugs targeted here are off by 1e-9 or (mostly) far more.
                atol 1e-12 for log-probs of logits O(1), 1e-8 for logits of magnitude 1e4
                (max + log(sum) rounds at ulp(1e4) = 1.8e-12 and every log-prob inherits it),
                1e-14 for probabilities and gradients (values <= 1, so an absolute bound), and
                1e-15 absolute for the ~6e-22 loss of confident correct predictions.
  float32 in -> rtol 1e-5; atol 1e-6 for probabilities, losses and gradients, 1e-5 for log-probs
                of logits up to ~8 (a float32 solution rounds max + log(sum) at ulp(8) = 9.5e-7, a
                few roundings in all). Float32-inside styles (max-shift, logaddexp.reduce) were
                measured at <= 7% of these bounds over 300 random (4, 3, 6) cases, and at <= 8.5%
                over 300 random (6, 6) cases (the shape of the float32 test now).

Each test fails only for what its category names: the dtype test looks at dtypes (and says whether
the values are wrong too), the side-effects test at the inputs, the float32 values are a
numerical-stability test. A warning or exception with a classic cause is reported with that cause,
chosen for the test's input (an overflow at logits of 1e4 is a missing max shift, a log(0) at a
-inf logit is log(softmax(x)), a 0/0 with every label ignored is the empty mean).
"""

import math

import numpy as np
import pytest

from graders.check import (as_array, assert_close, assert_finite, assert_scalar_close, assert_shape,
                           assert_unchanged, classic_causes, summary)
from graders.keys.softmax import reference as ref

PROB64 = dict(rtol=1e-10, atol=1e-14)    # probabilities and gradients, float64
LOGP64 = dict(rtol=1e-10, atol=1e-12)    # log-probabilities of logits O(1), float64
LOSS64 = dict(rtol=1e-10, atol=1e-12)    # a mean NLL, float64
PROB32 = dict(rtol=1e-5, atol=1e-6)
LOGP32 = dict(rtol=1e-5, atol=1e-5)


# -- the classic causes of what a solution may raise ------------------------------------------------

KEEPDIMS = ("could not be broadcast", "a max or sum along `axis` taken without keepdims=True? the reduced array no "
            "longer lines up with x")
LOG_OF_ZERO = ("log(0): log_softmax computed as log(softmax(x)) (a probability that underflows, or is exactly 0 at a "
               "-inf logit, has no finite log), or a sum of exps that underflowed to 0 because the max subtracted was "
               "not the row's own; use (x - m) - log(sum(exp(x - m))) with m the max of each row (keepdims=True)")


def overflow_causes(big):
    """For logits of magnitude `big` in rows far apart: an overflow is a missing max shift (it comes
    first, at exp), a 0/0 after that a max taken over the whole array, a log(0) as in LOG_OF_ZERO."""
    far = ("0/0: a row far below the array's overall max underflows to all zeros; subtract the max of each row "
           "(keepdims=True), not the max of the whole array")
    return (("overflow", f"exp of logits near {big:g} overflows: subtract the max of each row (keepdims=True) before "
                         "exp, in softmax and inside the logsumexp of log_softmax alike"),
            ("divide by zero encountered in log", LOG_OF_ZERO), ("invalid value", far), ("divide by zero", far),
            KEEPDIMS)


def ignored_label_causes(ignore_index):
    """For labels equal to ignore_index among the others."""
    return (KEEPDIMS,
            ("IndexError", f"an ignored label ({ignore_index}) used as an index: leave the ignored positions out "
                           "before gathering each label's log-probability"),
            ("ValueError", f"ValueError for labels equal to ignore_index={ignore_index}: they are exempt from the "
                           "range check; check only the labels that are not ignored"))


def all_ignored_causes():
    hint = ("every label is ignored, so the number of counted labels is 0: return 0.0 (and an all-zero gradient) "
            "instead of dividing by it")
    return ((("invalid value", hint), ("divide by zero", hint), ("Mean of empty slice", hint))
            + ignored_label_causes(-100))


MASKED_VOCAB = (
    ("invalid value encountered in multiply", "(-inf) * 0 is NaN: a one-hot multiplied into log-probabilities that are "
                                              "-inf at the masked logits; pick each label's log-probability by "
                                              "indexing (or np.where), not by a product with the one-hot"),
    ("divide by zero encountered in log", LOG_OF_ZERO),
    ("invalid value", "a NaN from the -inf logits: -inf - (-inf), or (-inf) * 0; subtract each row's max (finite here: "
                      "every row has finite logits) and gather log-probabilities by indexing"),
    KEEPDIMS)


# -- inputs and checks ------------------------------------------------------------------------------

def logits_and_labels(seed, lead=(6,), V=5, scale=2.0, dtype=np.float64):
    """logits (*lead, V) with entries O(scale), labels (*lead,) int64 in [0, V)."""
    rng = np.random.default_rng(seed)
    logits = (scale * rng.standard_normal((*lead, V))).astype(dtype)
    labels = rng.integers(0, V, size=lead)
    return logits, labels


def check_probs(solution, x, case, axis=None, tol=PROB64, causes=(KEEPDIMS,)):
    """softmax(x[, axis]) has x's shape and matches the reference (the dtype is the dtype test's)."""
    with classic_causes(*causes):
        out = solution.softmax(x) if axis is None else solution.softmax(x, axis=axis)
    expected = ref.softmax(x) if axis is None else ref.softmax(x, axis=axis)
    assert_shape(out, x.shape, case)
    return assert_close(out, expected, case, **tol)


def check_logprobs(solution, x, case, axis=None, tol=LOGP64, causes=(KEEPDIMS,)):
    """log_softmax(x[, axis]) has x's shape and matches the reference."""
    with classic_causes(*causes):
        out = solution.log_softmax(x) if axis is None else solution.log_softmax(x, axis=axis)
    expected = ref.log_softmax(x) if axis is None else ref.log_softmax(x, axis=axis)
    assert_shape(out, x.shape, case)
    return assert_close(out, expected, case, **tol)


def ignore_kwargs(ignore_index):
    return {} if ignore_index is None else {"ignore_index": ignore_index}


def check_loss(solution, logits, labels, case, ignore_index=None, tol=LOSS64, causes=(KEEPDIMS,)):
    """cross_entropy is a single number equal to the reference's."""
    with classic_causes(*causes):
        loss = solution.cross_entropy(logits, labels, **ignore_kwargs(ignore_index))
    expected = ref.cross_entropy(logits, labels, ignore_index=ignore_index)
    return assert_scalar_close(loss, expected, case, **tol)


def check_grad(solution, logits, labels, case, ignore_index=None, tol=PROB64, causes=(KEEPDIMS,)):
    """cross_entropy_grad has logits' shape and equals (softmax - onehot) / n."""
    with classic_causes(*causes):
        grad = solution.cross_entropy_grad(logits, labels, **ignore_kwargs(ignore_index))
    expected = ref.cross_entropy_grad(logits, labels, ignore_index=ignore_index)
    assert_shape(grad, logits.shape, case + " (the gradient has the shape of the logits)")
    return assert_close(grad, expected, case, **tol)


def assert_dtype_only(actual, dtype, expected, case, tol):
    """A dtype check and nothing else: the values are compared only to say, when the dtype is
    wrong, whether they are wrong too (the values themselves are the other tests' job)."""
    actual = as_array(actual, case, f"a {np.dtype(dtype)} array")
    if actual.dtype != np.dtype(dtype):
        try:
            assert_close(actual, expected, case, **tol)
            also = ""
        except AssertionError:
            also = "; the values are wrong too: see the correctness tests"
        raise AssertionError(f"dtype {actual.dtype} for {case}; expected {np.dtype(dtype)} (keep the float dtype of "
                             f"the logits){also}")


def assert_value_error(call, case, causes=()):
    """`call()` must raise ValueError; anything else the solution raises fails the test as it is."""
    try:
        with classic_causes(*causes, raised=("IndexError",)):
            result = call()
    except ValueError:
        return
    raise AssertionError(f"returned {summary(result)} for {case}; expected ValueError (label out of range)")


# -- softmax and log_softmax -------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_softmax_rows_match_reference_and_sum_to_one(solution, seed):
    x, _ = logits_and_labels(seed(0), lead=(4,), V=7, scale=3.0)      # (4, 7)
    case = "softmax of random (4, 7) float64 logits"
    p = check_probs(solution, x, case)
    assert_close(p.sum(axis=-1), np.ones(4), case + ": row sums", rtol=0, atol=1e-12)


@pytest.mark.category("correctness")
def test_log_softmax_matches_reference(solution, seed):
    x, _ = logits_and_labels(seed(1), lead=(4,), V=7, scale=3.0)      # (4, 7)
    check_logprobs(solution, x, "log_softmax of random (4, 7) float64 logits")


@pytest.mark.category("shapes")
def test_softmax_along_an_explicit_axis(solution, seed):
    x = 2.0 * np.random.default_rng(seed(2)).standard_normal((3, 4, 5))  # (3, 4, 5)
    for axis in (0, 1, -2):
        check_probs(solution, x, f"softmax of a (3, 4, 5) array with axis={axis}", axis=axis)
        check_logprobs(solution, x, f"log_softmax of a (3, 4, 5) array with axis={axis}", axis=axis)


@pytest.mark.category("shapes")
def test_any_number_of_leading_axes(solution, seed):
    rng = np.random.default_rng(seed(3))
    for shape in ((6,), (2, 3, 4, 5)):
        x = 2.0 * rng.standard_normal(shape)
        check_probs(solution, x, f"softmax of a {shape} array, default axis")
        check_logprobs(solution, x, f"log_softmax of a {shape} array, default axis")


@pytest.mark.category("numerical-stability")
def test_logits_of_magnitude_1e4(solution):
    x = np.array([[1e4, -1e4, 0.0, 5e3],
                  [-1e4, -1e4 + 1.0, -1e4 + 2.0, -1e4 - 3.0],
                  [1e4, 1e4, -5e3, 1e4 - 0.5]])                        # (3, 4) float64
    check_probs(solution, x, "softmax of logits of magnitude 1e4", causes=overflow_causes(1e4))
    logp = check_logprobs(solution, x, "log_softmax of logits of magnitude 1e4", tol=dict(rtol=1e-10, atol=1e-8),
                          causes=overflow_causes(1e4))
    assert_finite(logp, "log_softmax of logits of magnitude 1e4 (-2e4 is a log-probability, not -inf)")


@pytest.mark.category("numerical-stability")
def test_rows_of_very_different_scale(solution):
    # Each row must be shifted by its own max: one max over the whole array leaves the second row
    # 2000 below it, where every exp underflows to 0.
    x = np.array([[1000.0, 999.0, 998.0, 1000.5],
                  [-1000.0, -1001.0, -999.0, -1000.5]])                # (2, 4)
    check_probs(solution, x, "softmax of a row near +1000 and a row near -1000", causes=overflow_causes(1000))
    check_logprobs(solution, x, "log_softmax of a row near +1000 and a row near -1000",
                   tol=dict(rtol=1e-10, atol=1e-10), causes=overflow_causes(1000))


@pytest.mark.category("numerical-stability")
def test_float32_values_are_accurate(solution, seed):
    # The values for float32 logits (their dtype is the dtype test's business): float32 arithmetic
    # inside is fine, within PROB32 / LOGP32 of the float64 reference.
    x, labels = logits_and_labels(seed(5), lead=(6,), V=6, dtype=np.float32)  # (6, 6)
    case = f"float32 (6, 6) logits of magnitude ~2, seed {seed(5)}"
    check_probs(solution, x, "softmax of " + case, tol=PROB32)
    check_logprobs(solution, x, "log_softmax of " + case, tol=LOGP32)
    check_loss(solution, x, labels, "cross_entropy of " + case, tol=PROB32)
    check_grad(solution, x, labels, "cross_entropy_grad of " + case, tol=PROB32)


@pytest.mark.category("masking")
def test_minus_inf_logits_get_probability_zero(solution, seed):
    x, _ = logits_and_labels(seed(4), lead=(3,), V=6)                  # (3, 6)
    masked = np.zeros(x.shape, dtype=bool)
    masked[0, [1, 4]] = masked[1, 0] = masked[2, [0, 2, 3, 5]] = True  # a masked vocabulary, per row
    x[masked] = -np.inf
    case = "logits with -inf entries (a masked vocabulary)"
    p = check_probs(solution, x, "softmax of " + case, causes=MASKED_VOCAB)
    assert_close(np.where(masked, p, 0.0), np.zeros(x.shape), "softmax at the -inf logits of " + case,
                 rtol=0, atol=0)
    logp = check_logprobs(solution, x, "log_softmax of " + case, causes=MASKED_VOCAB)
    assert_finite(logp[~masked], "log_softmax at the finite logits of " + case)


@pytest.mark.category("dtype")
def test_float32_in_float32_out(solution, seed):
    # Square and O(1), every label counted: nothing here can overflow, mis-broadcast or index out of
    # range, so only the dtypes are looked at.
    x, labels = logits_and_labels(seed(15), lead=(6,), V=6)            # (6, 6), (6,)
    for dtype, prob, logp in ((np.float32, PROB32, LOGP32), (np.float64, PROB64, LOGP64)):
        xd = x.astype(dtype)
        case = f"{np.dtype(dtype)} (6, 6) logits of magnitude ~2"
        assert_dtype_only(solution.softmax(xd), dtype, ref.softmax(xd), "softmax of " + case, prob)
        assert_dtype_only(solution.log_softmax(xd), dtype, ref.log_softmax(xd), "log_softmax of " + case, logp)
        assert_dtype_only(solution.cross_entropy_grad(xd, labels), dtype, ref.cross_entropy_grad(xd, labels),
                          "cross_entropy_grad of " + case + " and int64 labels", prob)


@pytest.mark.category("side-effects")
def test_inputs_are_not_modified(solution, seed):
    # Square arrays (x, and the 4 counted rows of the logits) and an ignore_index that is a class id
    # (3): a max taken without keepdims still broadcasts and no ignored label can index out of
    # range, so this test sees only the inputs.
    x, _ = logits_and_labels(seed(6), lead=(4,), V=4, dtype=np.float32)    # (4, 4)
    for name in ("softmax", "log_softmax"):
        _, args, _ = getattr(solution, name).with_inputs(x)
        assert_unchanged(args[0], x, "x", f"{name} of float32 (4, 4) logits")
    logits, labels = logits_and_labels(seed(17), lead=(6,), V=4, dtype=np.float32)  # (6, 4)
    labels[:] = [3, 0, 1, 3, 2, 0]                                         # two labels ignored
    for name in ("cross_entropy", "cross_entropy_grad"):
        _, args, kwargs = getattr(solution, name).with_inputs(logits, labels, ignore_index=3)
        case = f"{name} of float32 (6, 4) logits with labels [3, 0, 1, 3, 2, 0] and ignore_index=3"
        assert_unchanged(args[0], logits, "logits", case)
        assert_unchanged(args[1], labels, "labels", case)


# -- cross_entropy -------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_cross_entropy_matches_reference(solution, seed):
    logits, labels = logits_and_labels(seed(7), lead=(8,), V=5)        # (8, 5), (8,)
    check_loss(solution, logits, labels, "cross_entropy of random (8, 5) logits")


@pytest.mark.category("edge-case")
def test_all_zero_logits_give_log_V(solution):
    for dtype, tol in ((np.float64, LOSS64), (np.float32, PROB32)):
        logits = np.zeros((4, 10), dtype=dtype)                         # (4, 10): uniform
        labels = np.array([0, 3, 9, 5])
        with classic_causes(KEEPDIMS):
            loss = solution.cross_entropy(logits, labels)
        assert_scalar_close(loss, math.log(10), f"cross_entropy of all-zero {np.dtype(dtype)} (4, 10) "
                            "logits (the loss of a uniform guess is log(V))", **tol)


@pytest.mark.category("shapes")
def test_several_leading_axes(solution, seed):
    logits, labels = logits_and_labels(seed(8), lead=(2, 3, 4), V=6)   # (2, 3, 4, 6), (2, 3, 4)
    padded = labels.copy()
    padded[0, 1, 2] = padded[1, 2, 0] = -100
    for ignore_index, labels in ((None, labels), (-100, padded)):
        case = f"(2, 3, 4, 6) logits with (2, 3, 4) labels, ignore_index={ignore_index}"
        causes = (KEEPDIMS,) if ignore_index is None else ignored_label_causes(ignore_index)
        check_loss(solution, logits, labels, "cross_entropy of " + case, ignore_index=ignore_index, causes=causes)
        check_grad(solution, logits, labels, "cross_entropy_grad of " + case, ignore_index=ignore_index,
                   causes=causes)
    # No leading axis at all: logits (V,) and a single label, a 0-d array.
    logits, labels = logits_and_labels(seed(16), lead=(), V=6)         # (6,), ()
    case = f"(6,) logits with a 0-d label {int(labels)} (no leading axis)"
    check_loss(solution, logits, labels, "cross_entropy of " + case)
    check_grad(solution, logits, labels, "cross_entropy_grad of " + case)


@pytest.mark.category("masking")
def test_ignore_index_minus_100(solution, seed):
    logits, labels = logits_and_labels(seed(9), lead=(7,), V=5)        # (7, 5); 3 of 7 ignored
    labels[[0, 3, 4]] = -100
    case = "(7, 5) logits with labels -100 at rows 0, 3, 4 and ignore_index=-100"
    causes = ignored_label_causes(-100)
    check_loss(solution, logits, labels, "cross_entropy of " + case + " (mean over the 4 others)",
               ignore_index=-100, causes=causes)
    grad = check_grad(solution, logits, labels, "cross_entropy_grad of " + case, ignore_index=-100, causes=causes)
    assert_close(grad[[0, 3, 4]], np.zeros((3, 5)), "the gradient at the ignored rows of " + case,
                 rtol=0, atol=0)


@pytest.mark.category("masking")
def test_ignore_index_can_be_a_class_id(solution, seed):
    logits, labels = logits_and_labels(seed(10), lead=(6,), V=4)       # (6, 4)
    labels[:] = [0, 2, 0, 3, 1, 0]                                      # class 0 is padding here
    case = "(6, 4) logits with ignore_index=0 (three labels 0 ignored)"
    check_loss(solution, logits, labels, "cross_entropy of " + case, ignore_index=0)
    check_grad(solution, logits, labels, "cross_entropy_grad of " + case, ignore_index=0)


@pytest.mark.category("edge-case")
def test_all_labels_ignored(solution, seed):
    logits, _ = logits_and_labels(seed(11), lead=(3,), V=4)            # (3, 4)
    labels = np.full(3, -100)
    case = "(3, 4) logits whose labels are all ignored (-100)"
    with classic_causes(*all_ignored_causes()):
        loss = solution.cross_entropy(logits, labels, ignore_index=-100)
    assert_scalar_close(loss, 0.0, "cross_entropy of " + case, rtol=0, atol=0)
    with classic_causes(*all_ignored_causes()):
        grad = solution.cross_entropy_grad(logits, labels, ignore_index=-100)
    assert_close(grad, np.zeros(logits.shape), "cross_entropy_grad of " + case, rtol=0, atol=0)


@pytest.mark.category("numerical-stability")
def test_confidently_wrong_predictions(solution):
    # The label's probability is e^-60 (representable) and then e^-20000 (underflows to 0): the
    # loss is the logit gap, not -log(0), nor -log(eps) from an epsilon or a clip inside the log.
    cases = (
        ("logits [30, -30, 0, 0] with label 1 (loss 60)", np.array([[30.0, -30.0, 0.0, 0.0]]), np.array([1])),
        ("logits of magnitude 1e4 with the labels on the lowest ones (loss ~ 1.5e4)",
         np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, 1e4, 1e4, -1e4]]), np.array([1, 3])),
    )
    for case, logits, labels in cases:
        check_loss(solution, logits, labels, "cross_entropy of " + case, causes=overflow_causes(1e4))
        grad = check_grad(solution, logits, labels, "cross_entropy_grad of " + case, causes=overflow_causes(1e4))
        assert_finite(grad, "cross_entropy_grad of " + case)


@pytest.mark.category("numerical-stability")
def test_confidently_right_predictions_cost_almost_nothing(solution):
    # The true loss is log(1 + 3 e^-50) ~ 5.8e-22: a clip to 1 - 1e-7 or an epsilon adds >= 1e-9.
    logits = np.array([[50.0, 0.0, 0.0, 0.0], [0.0, 0.0, 50.0, 0.0]])  # (2, 4)
    labels = np.array([0, 2])
    with classic_causes(KEEPDIMS):
        loss = solution.cross_entropy(logits, labels)
    assert_scalar_close(loss, math.log1p(3 * math.exp(-50)), "cross_entropy of confident correct logits "
                        "[50, 0, 0, 0] (loss ~ 6e-22)", rtol=0, atol=1e-15)


@pytest.mark.category("masking")
def test_cross_entropy_over_a_masked_vocabulary(solution, seed):
    logits, labels = logits_and_labels(seed(12), lead=(4,), V=6)       # (4, 6)
    labels[:] = [2, 0, 5, 3]
    masked = np.zeros(logits.shape, dtype=bool)
    masked[0, [0, 1]] = masked[1, [3, 4, 5]] = masked[2, 2] = masked[3, [0, 5]] = True   # never a label
    logits[masked] = -np.inf
    case = "(4, 6) logits with -inf entries (a masked vocabulary), labels on finite ones"
    check_loss(solution, logits, labels, "cross_entropy of " + case, causes=MASKED_VOCAB)
    grad = check_grad(solution, logits, labels, "cross_entropy_grad of " + case, causes=MASKED_VOCAB)
    assert_finite(grad, "cross_entropy_grad of " + case)


@pytest.mark.category("errors")
def test_label_out_of_range_raises(solution, seed):
    logits, _ = logits_and_labels(seed(13), lead=(3,), V=4)            # (3, 4)
    cases = (
        ("label 4 with V=4", np.array([0, 4, 1]), {}),
        ("label -1 with ignore_index=None (it must not wrap to the last class)", np.array([0, -1, 1]), {}),
        ("label -100 with ignore_index=None", np.array([-100, 2, 1]), {}),
        ("label -1 next to labels -100 with ignore_index=-100", np.array([-100, -1, 1]), {"ignore_index": -100}),
    )
    for case, labels, kwargs in cases:
        hint = (f"the out-of-range label reached the indexing ({case}): check 0 <= label < V for every label not "
                "equal to ignore_index, and raise ValueError")
        assert_value_error(lambda: solution.cross_entropy(logits, labels, **kwargs), "cross_entropy of " + case,
                           causes=(("IndexError", hint),))


# -- cross_entropy_grad --------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_grad_matches_softmax_minus_onehot_over_n(solution, seed):
    logits, labels = logits_and_labels(seed(14), lead=(6,), V=5)       # (6, 5)
    case = "cross_entropy_grad of random (6, 5) logits"
    grad = check_grad(solution, logits, labels, case)
    assert_close(grad.sum(axis=-1), np.zeros(6), case + ": each row of the gradient sums to 0",
                 rtol=0, atol=1e-14)
