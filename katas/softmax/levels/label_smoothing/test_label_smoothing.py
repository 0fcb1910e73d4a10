"""Hidden tests of the softmax kata's level `label_smoothing` (both frameworks): cross_entropy and
cross_entropy_grad with `label_smoothing=eps`, the target (1 - eps) onehot + eps / V.

Expected values come from the float64 reference (graders/keys/softmax/levels/label_smoothing/
reference.py, checked against torch.nn.functional.cross_entropy(label_smoothing=eps) and autograd in
its test_oracle.py). Tolerances are the kata's (katas/softmax/test_softmax.py): float64 rtol 1e-10
(atol 1e-12 for losses, 1e-14 for gradients, values <= 1); float32 rtol 1e-5, atol 1e-6.
"""

import numpy as np
import pytest

from graders.check import as_array, assert_close, assert_scalar_close, assert_shape, classic_causes, summary
from graders.keys.softmax.levels.label_smoothing import reference as ref

LOSS64 = dict(rtol=1e-10, atol=1e-12)
GRAD64 = dict(rtol=1e-10, atol=1e-14)
F32 = dict(rtol=1e-5, atol=1e-6)

ZERO_TIMES_INF = ("invalid value", "(-inf) * 0 is NaN: with label_smoothing=0.0 the smoothed target is 0 at the masked "
                                   "classes, and 0 * log_softmax = 0 * (-inf); add the smoothing term only when it has "
                                   "weight (eps > 0), or pick the label's log-probability by indexing")
LOG_OF_ZERO = ("divide by zero", "log(0): the smoothing term taken as log(softmax(x)), which underflows to 0 for a logit "
                                 "far below the max; use log_softmax (x - m - log(sum(exp(x - m))))")
EMPTY_MEAN = ("invalid value", "every label is ignored, so the count is 0: return 0.0 (and a zero gradient)")


def logits_and_labels(seed, lead=(6,), V=5, scale=2.0, dtype=np.float64):
    """logits (*lead, V) with entries O(scale), labels (*lead,) int64 in [0, V)."""
    rng = np.random.default_rng(seed)
    return (scale * rng.standard_normal((*lead, V))).astype(dtype), rng.integers(0, V, size=lead)


def check_loss(solution, logits, labels, eps, case, ignore_index=None, tol=LOSS64, causes=()):
    kwargs = {} if ignore_index is None else {"ignore_index": ignore_index}
    with classic_causes(*causes):
        loss = solution.cross_entropy(logits, labels, label_smoothing=eps, **kwargs)
    expected = ref.cross_entropy(logits, labels, ignore_index=ignore_index, label_smoothing=eps)
    return assert_scalar_close(loss, expected, f"{case}, label_smoothing={eps}", **tol)


def check_grad(solution, logits, labels, eps, case, ignore_index=None, tol=GRAD64, causes=()):
    kwargs = {} if ignore_index is None else {"ignore_index": ignore_index}
    with classic_causes(*causes):
        grad = solution.cross_entropy_grad(logits, labels, label_smoothing=eps, **kwargs)
    expected = ref.cross_entropy_grad(logits, labels, ignore_index=ignore_index, label_smoothing=eps)
    assert_shape(grad, logits.shape, f"{case} (the gradient has the shape of the logits)")
    return assert_close(grad, expected, f"{case}, label_smoothing={eps}", **tol)


@pytest.mark.category("correctness")
def test_loss_matches_the_reference(solution, seed):
    logits, labels = logits_and_labels(seed(0))                               # (6, 5), (6,)
    check_loss(solution, logits, labels, 0.1, f"cross_entropy of random (6, 5) logits, seed {seed(0)}")


@pytest.mark.category("correctness")
def test_every_smoothing_from_none_to_uniform(solution, seed):
    # eps = 1: the target is uniform, the loss the mean of -log_softmax over the classes
    logits, labels = logits_and_labels(seed(1), V=7)                          # (6, 7), (6,)
    for eps in (0.0, 0.05, 0.3, 1.0):
        check_loss(solution, logits, labels, eps, f"cross_entropy of random (6, 7) logits, seed {seed(1)}")


@pytest.mark.category("correctness")
def test_gradient_is_softmax_minus_the_smoothed_target(solution, seed):
    logits, labels = logits_and_labels(seed(2), lead=(2, 3), V=4)             # (2, 3, 4), (2, 3)
    for eps in (0.2, 1.0):
        check_grad(solution, logits, labels, eps, f"cross_entropy_grad of random (2, 3, 4) logits, seed {seed(2)}")


@pytest.mark.category("masking")
def test_ignored_positions_count_for_nothing(solution, seed):
    logits, labels = logits_and_labels(seed(3), lead=(2, 4), V=5)             # (2, 4, 5), (2, 4)
    labels[0, 1] = labels[1, 3] = labels[1, 0] = -100
    case = f"(2, 4, 5) logits with 3 labels ignored (ignore_index=-100), seed {seed(3)}"
    check_loss(solution, logits, labels, 0.1, "cross_entropy of " + case, ignore_index=-100)
    grad = check_grad(solution, logits, labels, 0.1, "cross_entropy_grad of " + case, ignore_index=-100)
    assert_close(grad[labels == -100], np.zeros((3, 5)), "the gradient of the ignored positions", rtol=0, atol=0)


@pytest.mark.category("masking")
def test_ignore_index_may_be_a_class_id(solution, seed):
    logits, labels = logits_and_labels(seed(4), lead=(8,), V=4)               # (8, 4), (8,)
    labels[[1, 5]] = 0
    labels[[2, 6]] = 3
    case = f"(8, 4) logits, ignore_index=0 (padding), seed {seed(4)}"
    check_loss(solution, logits, labels, 0.2, "cross_entropy of " + case, ignore_index=0)
    check_grad(solution, logits, labels, 0.2, "cross_entropy_grad of " + case, ignore_index=0)


@pytest.mark.category("edge-case")
def test_every_label_ignored(solution, seed):
    logits, _ = logits_and_labels(seed(5), lead=(3,), V=4)                    # (3, 4)
    labels = np.full(3, -100)
    case = "every label ignored (ignore_index=-100)"
    check_loss(solution, logits, labels, 0.1, "cross_entropy with " + case, ignore_index=-100, causes=(EMPTY_MEAN,))
    check_grad(solution, logits, labels, 0.1, "cross_entropy_grad with " + case, ignore_index=-100,
               causes=(EMPTY_MEAN,))


@pytest.mark.category("edge-case")
def test_masked_logits(solution, seed):
    logits, labels = logits_and_labels(seed(6), lead=(4,), V=6)               # (4, 6), (4,)
    logits[np.arange(4), (labels + 1) % 6] = -np.inf                          # a masked class per row, never the label
    logits[0, (labels[0] + 2) % 6] = -np.inf
    case = "logits with -inf entries (a masked vocabulary; no label is masked)"
    check_loss(solution, logits, labels, 0.0, "cross_entropy of " + case + ": finite", causes=(ZERO_TIMES_INF,))
    check_loss(solution, logits, labels, 0.1, "cross_entropy of " + case + ": +inf, the target puts mass there",
               causes=(ZERO_TIMES_INF,))
    check_grad(solution, logits, labels, 0.1, "cross_entropy_grad of " + case + ": finite", causes=(ZERO_TIMES_INF,))


@pytest.mark.category("errors")
def test_smoothing_outside_0_1_raises_value_error(solution, seed):
    logits, labels = logits_and_labels(seed(7), lead=(3,), V=4)
    for eps in (-0.1, 1.5):
        for name in ("cross_entropy", "cross_entropy_grad"):
            try:
                result = getattr(solution, name)(logits, labels, label_smoothing=eps)
            except ValueError:
                continue
            raise AssertionError(f"{name} returned {summary(result)} for label_smoothing={eps}; expected ValueError "
                                 "(it must be in [0, 1])")


@pytest.mark.category("numerical-stability")
def test_logits_of_magnitude_1e4(solution):
    logits = np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4 + 1.0, -1e4 + 2.0, -1e4 - 3.0]])  # (2, 4)
    labels = np.array([1, 2])
    case = "logits of magnitude 1e4 (a log-probability of -2e4 is no -inf)"
    check_loss(solution, logits, labels, 0.1, "cross_entropy of " + case, tol=dict(rtol=1e-10, atol=1e-8),
               causes=(LOG_OF_ZERO,))
    check_grad(solution, logits, labels, 0.1, "cross_entropy_grad of " + case, causes=(LOG_OF_ZERO,))


@pytest.mark.category("numerical-stability")
def test_float32_values_are_accurate(solution, seed):
    logits, labels = logits_and_labels(seed(8), lead=(6,), V=6, dtype=np.float32)   # (6, 6)
    case = f"float32 (6, 6) logits, seed {seed(8)}"
    check_loss(solution, logits, labels, 0.1, "cross_entropy of " + case, tol=F32)
    check_grad(solution, logits, labels, 0.1, "cross_entropy_grad of " + case, tol=F32)


@pytest.mark.category("dtype")
def test_float32_gradient_stays_float32(solution, seed):
    logits, labels = logits_and_labels(seed(9), lead=(4,), V=5, dtype=np.float32)   # (4, 5)
    case = "cross_entropy_grad of float32 (4, 5) logits, label_smoothing=0.1"
    grad = as_array(solution.cross_entropy_grad(logits, labels, label_smoothing=0.1), case, "a float32 array")
    if grad.dtype != np.float32:
        try:
            assert_close(grad, ref.cross_entropy_grad(logits, labels, label_smoothing=0.1), case, **F32)
            also = ""
        except AssertionError:
            also = "; the values are wrong too: see the correctness tests"
        raise AssertionError(f"dtype {grad.dtype} for {case}; expected float32 (keep the logits' float dtype){also}")
