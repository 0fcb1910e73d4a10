"""Hidden tests of the `mlp_backprop` kata: mlp_loss_and_grads and mlp_train_step.

Losses, gradients and SGD updates are compared with the float64 reference
(graders/keys/mlp_backprop/reference.py, itself checked against PyTorch autograd and finite
differences), or with values derived by hand (log C and (1/C - onehot) / N for an all-zero second
layer, exact zero gradients through a unit whose pre-activation is exactly 0). One test checks the
solution's gradients against central finite differences of its own loss, one that duplicating the
batch changes neither loss nor gradients (a mean, not a sum). Dtype tests fail only for a wrong dtype
(their messages say whether the values are right); float32 accuracy is a separate test.

Tolerances: arrays |got - expected| <= rtol * |expected| + atol_scale * max|expected|, the absolute
floor scaled by the array's largest entry, because a gradient entry whose terms cancel carries the
rounding of the whole sum, not its own. Measured with the reference, the four alternatives (per-example
Python loops, einsum with np.logaddexp.reduce, float32 throughout, layer objects with the bias folded
into the weights) and two plain vectorised solutions, over 500 random problems per dtype (N, D, H, C
drawn in 1..13, lr in {0.01, 0.1, 0.5}) and the hand-made cases below; "r of the bound" means the
largest error / (rtol * |expected| + atol) seen was r.
  F64    gradients and updated parameters rtol 1e-9, atol_scale 1e-12; the loss rtol 1e-9, atol
         1e-15. Worst: 7.6e-4 of the bound for the loss, 7.4e-4 for gradients (6.3e-14 of max|expected|
         absolute), 2.5e-4 for updates. The value bugs targeted are off by >= 4e-2 of max|expected|
         (updating W2 before backprop through it: 4.4e-2; ReLU'(0) = 1 on the exact-zero case: 1.6).
  BIG    the gradients behind logits of magnitude 1e4: rtol 1e-9, atol_scale 1e-9. The logits round at
         ulp(1e4) = 1.8e-12, an absolute error every probability inherits, so gradient entries near 0
         err by up to 7.8e-13 of max|expected| (measured: 0.62 of the F64 bound, 8e-4 of this one).
  TINY   the loss of confident correct predictions (logit margin >= 45, true loss 5e-21): rtol 0,
         atol 1e-16. Every correct style returns 0 or the true value; an epsilon of 1e-15 inside the
         log already adds 1.1e-15, 1e-12 adds 1e-12, a clip at 1 - 1e-7 adds 1e-7.
  F32    gradients rtol 1e-4, atol_scale 1e-5; the loss rtol 1e-5, atol 1e-7; updated parameters
         rtol 1e-5, atol_scale 1e-5 (lr times the gradient's float32 error, plus ulp(p)).
         Float32-throughout styles: worst 5.4e-2 of the bound for gradients, 5.3e-2 for the loss,
         1.0e-1 for updates; float64-inside styles round once (<= 3e-3 of the bound). The float32
         problems keep every pre-activation >= 3e-3 away from the ReLU kink, 1000x the float32
         rounding of a pre-activation, so no unit switches on or off between styles.
  Finite differences: central, h = 1e-5, of the solution's own loss along 3 random unit directions v
         over all four parameters, pre-activations >= 1e-2 from the kink; correct styles agree to
         <= 4.7e-11 of |g| |v| (193 seeds); the bound is 1e-6 of it, the mutants with wrong gradients
         are off by >= 6.5e-3 of it.
  PyTorch (graders/keys/mlp_backprop/torch/): the reference and its alternatives (per-example loops,
         einsum with scatter_, layer objects over addmm, float32 throughout with F.one_hot) over 300
         random problems as above: worst 3.1e-2 of the bound for gradients, 2.4e-2 for the loss, 3.2e-2
         for updates (all float32 throughout); float64 styles <= 2e-4.
"""

import math

import numpy as np
import pytest

from graders.check import as_array, assert_close, assert_scalar_close, assert_shape, assert_unchanged, classic_cause
from graders.keys.mlp_backprop import reference as ref

PARAMS = ("W1", "b1", "W2", "b2")

F64 = dict(rtol=1e-9, atol_scale=1e-12)           # gradients and updated parameters, float64
LOSS64 = dict(rtol=1e-9, atol=1e-15)              # the loss, float64
BIG = dict(rtol=1e-9, atol_scale=1e-9)            # gradients behind logits of magnitude 1e4, float64
TINY = dict(rtol=0.0, atol=1e-16)                 # the loss of confident correct predictions (< 1e-18)
F32 = dict(rtol=1e-4, atol_scale=1e-5)            # gradients, float32
LOSS32 = dict(rtol=1e-5, atol=1e-7)               # the loss, float32
STEP32 = dict(rtol=1e-5, atol_scale=1e-5)         # updated float32 parameters
FD_H, FD_BOUND = 1e-5, 1e-6                       # finite-difference step, bound relative to |g| |v|

SQUEEZE_HINT = "a batch of one (N = 1): did an np.squeeze, a reshape or an indexing drop the batch axis?"
STABLE_HINT = ("exp of a large logit overflowed, or log of a probability that underflowed to 0: "
               "subtract each row's max before exp and use log-softmax = z - max - log(sum(exp(z - max)))")


# -- problems ---------------------------------------------------------------------------------------

def make_problem(seed, N=8, D=5, H=7, C=4, dtype=np.float64):
    """x (N, D), y int64 (N,) in [0, C), params (W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)); logits O(1).
    D, H, C and N all differ, so a transposed gradient cannot hide behind a square shape."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D))
    y = rng.integers(0, C, size=N)
    W1 = rng.standard_normal((D, H)) / math.sqrt(D)
    b1 = 0.1 * rng.standard_normal(H)
    W2 = 2.0 * rng.standard_normal((H, C)) / math.sqrt(H)
    b2 = 0.1 * rng.standard_normal(C)
    return x.astype(dtype), y, tuple(p.astype(dtype) for p in (W1, b1, W2, b2))


def kink_margin(x, params):
    """The smallest |pre-activation| of the problem, in float64."""
    W1, b1 = (p.astype(np.float64) for p in params[:2])
    return np.abs(x.astype(np.float64) @ W1 + b1).min()


def problem_off_the_kink(seed, margin, **dims):
    """(seed, x, y, params): make_problem at the first seed from `seed` on whose pre-activations are all
    more than `margin` from the ReLU kink (the fixed seeds are; a fresh one is after ~1.5 draws)."""
    while True:
        x, y, params = make_problem(seed, **dims)
        if kink_margin(x, params) > margin:
            return seed, x, y, params
        seed += 1


# -- calling the solution ---------------------------------------------------------------------------

def as_loss(value, case):
    """The loss as a 0-d float64 array: a Python float or a NumPy float scalar, not an array."""
    loss = as_array(value, case, "a float (the loss)")
    if loss.shape != ():
        raise AssertionError(f"the loss is an array of shape {loss.shape} for {case}; expected a single float")
    if loss.dtype.kind != "f":
        raise AssertionError(f"the loss is of dtype {loss.dtype} for {case}; expected a float")
    return loss.astype(np.float64)


def unpack(out, params, case):
    """(loss, grads) from mlp_loss_and_grads, its form checked: a float and a dict of four arrays
    shaped like the parameters."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise AssertionError(f"mlp_loss_and_grads returned {type(out).__name__} for {case}; expected a "
                             "(loss, grads) tuple")
    loss, grads = as_loss(out[0], f"the loss of {case}"), out[1]
    if not isinstance(grads, dict):
        raise AssertionError(f"grads is a {type(grads).__name__} for {case}; expected a dict with keys "
                             "'W1', 'b1', 'W2', 'b2'")
    if set(grads) != set(PARAMS):
        raise AssertionError(f"grads has the keys {sorted(map(repr, grads))} for {case}; expected exactly "
                             "'W1', 'b1', 'W2', 'b2'")
    for name, p in zip(PARAMS, params):
        assert_shape(grads[name], p.shape, f"grads['{name}'] for {case} (the shape of {name})")
    return loss, grads


def loss_and_grads(solution, x, y, params, case):
    return unpack(solution.mlp_loss_and_grads(x, y, *params), params, case)


def train_step(solution, x, y, params, case, **kwargs):
    """-> (the loss it returned, (x, y, W1, b1, W2, b2) as the solution left them)."""
    loss, args, _ = solution.mlp_train_step.with_inputs(x, y, *params, **kwargs)
    return as_loss(loss, f"the loss mlp_train_step returned for {case}"), args


# -- comparing --------------------------------------------------------------------------------------

def close(expected, rtol, atol_scale):
    """assert_close's rtol and atol: an absolute floor of atol_scale * max|expected| (see the module docstring)."""
    expected = np.asarray(expected, dtype=np.float64)
    return dict(rtol=rtol, atol=atol_scale * float(np.abs(expected).max(initial=0.0)))


def check_grads(grads, expected, case, tol=F64):
    for name in PARAMS:
        assert_close(grads[name], expected[name], f"grads['{name}'] for {case}", **close(expected[name], **tol))


def check_loss(loss, expected, case, tol=LOSS64):
    assert_scalar_close(loss, expected, f"the loss for {case}", **tol)


def check_against_reference(solution, x, y, params, case, grad_tol=F64, loss_tol=LOSS64):
    """The solution's loss and gradients match the float64 reference's; returns them."""
    loss, grads = loss_and_grads(solution, x, y, params, case)
    expected_loss, expected = ref.mlp_loss_and_grads(*as64(x, y, params))
    check_loss(loss, expected_loss, case, loss_tol)
    check_grads(grads, expected, case, grad_tol)
    return loss, grads


def as64(x, y, params):
    """The reference's arguments (x, y, W1, b1, W2, b2), cast to float64."""
    return (x.astype(np.float64), y, *(p.astype(np.float64) for p in params))


def sgd_expected(x, y, params, lr):
    """p - lr * grad for each parameter, in float64 from the reference's float64 gradients."""
    _, g = ref.mlp_loss_and_grads(*as64(x, y, params))
    return [p.astype(np.float64) - lr * g[name] for p, name in zip(params, PARAMS)]


def check_step(args, params, expected, case, tol=F64):
    """The parameters as mlp_train_step left them (args[2:]) equal p - lr * grad (expected)."""
    for name, before, after, want in zip(PARAMS, params, args[2:], expected):
        if isinstance(after, np.ndarray) and after.shape == before.shape and np.array_equal(after, before):
            raise AssertionError(f"the caller's {name} is unchanged after {case}: the parameters must be "
                                 "updated in place (see the side-effects test)")
        assert_close(after, want, f"{name} after {case} (expected {name} - lr * grads['{name}'], every "
                     "gradient taken before the update)", **close(want, **tol))


def values_note(actual, expected, tol):
    """How the values compare, for a dtype or side-effects message."""
    try:
        assert_close(actual, expected, "", **close(expected, **tol))
    except AssertionError:
        return "the values are wrong too: see the correctness tests"
    return "the values are right"


# -- correctness ------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_loss_and_grads_match_reference(solution, seed):
    for case_seed, dims in ((0, dict(N=8, D=5, H=7, C=4)), (1, dict(N=13, D=3, H=6, C=5)),
                            (2, dict(N=5, D=9, H=4, C=3))):
        x, y, params = make_problem(seed(case_seed), **dims)
        case = "random N={N}, D={D}, H={H}, C={C} float64 problem (seed {seed})".format(seed=seed(case_seed), **dims)
        check_against_reference(solution, x, y, params, case)


@pytest.mark.category("correctness")
def test_hand_computed_zero_second_layer(solution, seed):
    # W2 = 0 and b2 = 0: every logit is 0, so the softmax is uniform and the loss is log C for any
    # labels; d loss / d logits = (1/C - onehot(y)) / N, so grads W2 = h^T (1/C - onehot) / N,
    # b2 = 1/C - (label counts) / N, and nothing flows back into the first layer (W1, b1: exactly 0).
    x, y, (W1, b1, W2, b2) = make_problem(seed(3), N=6, D=4, H=5, C=3)
    y = np.array([0, 2, 2, 1, 2, 0])
    W2, b2 = np.zeros_like(W2), np.zeros_like(b2)
    h = np.maximum(x @ W1 + b1, 0.0)                                      # (6, 5)
    dlogits = (1.0 / 3.0 - np.eye(3)[y]) / 6.0                            # (6, 3)
    expected = {"W1": np.zeros_like(W1), "b1": np.zeros_like(b1), "W2": h.T @ dlogits, "b2": dlogits.sum(axis=0)}
    case = f"W2 = 0, b2 = 0 (uniform softmax over C=3), N=6, labels [0, 2, 2, 1, 2, 0] (seed {seed(3)})"
    loss, grads = loss_and_grads(solution, x, y, (W1, b1, W2, b2), case)
    check_loss(loss, math.log(3), case + ": the loss of a uniform prediction is log C")
    check_grads(grads, expected, case)


@pytest.mark.category("correctness")
def test_loss_and_grads_are_means_over_the_batch(solution, seed):
    # The same batch twice over: a mean leaves the loss and every gradient unchanged, a sum doubles them.
    x, y, params = make_problem(seed(4), N=6, D=4, H=5, C=3)
    case = f"random N=6, D=4, H=5, C=3 problem (seed {seed(4)})"
    loss, grads = loss_and_grads(solution, x, y, params, case)
    loss2, grads2 = loss_and_grads(solution, np.concatenate([x, x]), np.concatenate([y, y]), params,
                                   "the same problem with every example twice (N=12)")
    ratio = float(loss2) / float(loss)
    if not math.isclose(ratio, 1.0, rel_tol=1e-9):
        raise AssertionError(f"duplicating every example of the {case} changed the loss from {float(loss):.6g} "
                             f"to {float(loss2):.6g} (x{ratio:.4g}); expected the same loss: the mean over the "
                             "batch, not the sum")
    for name in PARAMS:
        g, g2 = grads[name].astype(np.float64), grads2[name].astype(np.float64)
        scale = float(np.abs(g2).max()) / max(float(np.abs(g).max()), 1e-300)
        assert_close(g2, g, f"grads['{name}'] with every example of the {case} twice vs once (largest entry "
                     f"x{scale:.4g}; a mean over the batch leaves it unchanged)", **close(g, **F64))


@pytest.mark.category("correctness")
def test_grads_match_finite_differences_of_own_loss(solution, seed):
    # Central differences of the solution's OWN loss along random directions over all four
    # parameters: the backward must differentiate the forward it computes. Every pre-activation is
    # >= 1e-2 from the ReLU kink, far beyond the step h = 1e-5.
    for case_seed in (5, 6):
        problem_seed, x, y, params = problem_off_the_kink(seed(case_seed), 1e-2, N=7, D=4, H=6, C=3)
        case = f"random N=7, D=4, H=6, C=3 problem (seed {problem_seed})"
        _, grads = loss_and_grads(solution, x, y, params, case)
        rng = np.random.default_rng(100 + problem_seed)
        for k in range(3):
            v = [rng.standard_normal(p.shape) for p in params]
            norm = math.sqrt(sum(float((d * d).sum()) for d in v))
            v = [d / norm for d in v]                                    # |v| = 1
            plus = loss_and_grads(solution, x, y, tuple(p + FD_H * d for p, d in zip(params, v)), case)[0]
            minus = loss_and_grads(solution, x, y, tuple(p - FD_H * d for p, d in zip(params, v)), case)[0]
            fd = (float(plus) - float(minus)) / (2 * FD_H)
            analytic = sum(float((grads[name].astype(np.float64) * d).sum()) for name, d in zip(PARAMS, v))
            g_norm = math.sqrt(sum(float((grads[name].astype(np.float64) ** 2).sum()) for name in PARAMS))
            if abs(fd - analytic) > FD_BOUND * max(g_norm, 1e-12):
                raise AssertionError(
                    f"along random direction {k} (seed {100 + problem_seed}) the gradients give a slope of "
                    f"{analytic:.8g}, "
                    f"central differences of your own loss (h = {FD_H:g}) give {fd:.8g} for the {case}: the "
                    f"backward does not differentiate the forward (|difference| {abs(fd - analytic):.2e} > "
                    f"{FD_BOUND:g} * |grads| = {FD_BOUND * g_norm:.2e})")


@pytest.mark.category("correctness")
def test_train_step_returns_the_loss_before_the_update(solution, seed):
    x, y, params = make_problem(seed(7))
    case = f"a step with lr=0.5 on a random N=8, D=5, H=7, C=4 problem (seed {seed(7)})"
    loss, _ = train_step(solution, x, y, params, case, lr=0.5)
    before, _ = ref.mlp_loss_and_grads(x, y, *params)
    after, _ = ref.mlp_loss_and_grads(x, y, *sgd_expected(x, y, params, 0.5))
    if abs(float(loss) - after) <= 1e-9 * abs(after) and abs(before - after) > 1e-6:
        raise AssertionError(f"mlp_train_step returned {float(loss):.8g}, the loss AFTER the update, for {case}; "
                             f"expected the loss before it, {before:.8g}")
    check_loss(loss, before, case + " (the loss before the update)")


@pytest.mark.category("correctness")
def test_train_step_applies_p_minus_lr_grad(solution, seed):
    x, y, params = make_problem(seed(8))
    for kwargs, lr, which in (({"lr": 0.3}, 0.3, "lr=0.3"), ({}, 1e-2, "the default lr (1e-2)")):
        case = f"one step with {which} on a random N=8, D=5, H=7, C=4 problem (seed {seed(8)})"
        _, args = train_step(solution, x, y, params, case, **kwargs)
        check_step(args, params, sgd_expected(x, y, params, lr), case)


# -- edge cases -------------------------------------------------------------------------------------

# Integer inputs and half-integer first-layer weights: x @ W1 + b1 is computed exactly in any order,
# and is exactly 0 at the marked entries. Unit 3 is dead: W1[:, 3] = 0 and b1[3] = 0.
RELU_X = np.array([[-2.0, -2.0, 1.0], [1.0, 2.0, -2.0], [-2.0, -1.0, -1.0],
                   [0.0, -1.0, 0.0], [0.0, -1.0, -1.0], [2.0, -2.0, 1.0]])          # (6, 3)
RELU_W1 = np.array([[0.0, -1.0, 0.5, 0.0], [-0.5, 1.0, -1.0, 0.0], [1.0, -0.5, -1.0, 0.0]])   # (3, 4)
RELU_B1 = np.array([0.5, 0.5, -1.0, 0.0])                                         # (4,)
# x @ W1 + b1 = [[ 2.5,  0*,  -1,   0*],
#                [-2.5,  2.5, -0.5, 0*],
#                [ 0*,   2,    0*,  0*],
#                [ 1,   -0.5,  0*,  0*],
#                [ 0*,   0*,   1,   0*],
#                [ 2.5, -4,    1,   0*]]


@pytest.mark.category("edge-case")
def test_relu_derivative_at_zero_is_zero(solution, seed):
    rng = np.random.default_rng(seed(9))
    W2, b2 = rng.standard_normal((4, 5)), 0.1 * rng.standard_normal(5)            # (H=4, C=5), (5,)
    y = np.array([1, 4, 0, 2, 3, 4])
    params = (RELU_W1, RELU_B1, W2, b2)
    assert np.count_nonzero(RELU_X @ RELU_W1 + RELU_B1 == 0.0) == 12              # the data is as drawn above
    case = ("pre-activations x @ W1 + b1 exactly 0 at 12 of 24 entries, unit 3 dead (W1[:, 3] = 0, b1[3] = 0), "
            f"N=6, D=3, H=4, C=5 (W2, b2 seed {seed(9)})")
    _, grads = loss_and_grads(solution, RELU_X, y, params, case)
    for name, column in (("W1", grads["W1"][:, 3]), ("b1", grads["b1"][3:])):
        if np.any(column != 0):
            raise AssertionError(
                f"grads['{name}'] of the dead unit 3 is {column.tolist()} for {case}; its pre-activation is exactly "
                "0 for every example, so with ReLU'(0) = 0 its gradient is exactly 0 (a mask z >= 0 instead of z > 0?)")
    _, expected = ref.mlp_loss_and_grads(RELU_X, y, *params)
    check_grads(grads, expected, case + ", with ReLU'(0) = 0")


@pytest.mark.category("edge-case")
def test_batch_of_one(solution, seed):
    for case_seed in (10, 11):
        x, y, params = make_problem(seed(case_seed), N=1, D=4, H=6, C=3)
        with classic_cause(SQUEEZE_HINT, raised=("IndexError", "ValueError")):
            check_against_reference(solution, x, y, params,
                                    f"a batch of one: x (1, 4), y (1,), H=6, C=3 (seed {seed(case_seed)})")
    x, y, params = make_problem(seed(12), N=1, D=4, H=6, C=3)
    case = f"one step with lr=0.2 on a batch of one: x (1, 4), y (1,), H=6, C=3 (seed {seed(12)})"
    with classic_cause(SQUEEZE_HINT, raised=("IndexError", "ValueError")):
        loss, args = train_step(solution, x, y, params, case, lr=0.2)
    check_loss(loss, ref.mlp_loss_and_grads(x, y, *params)[0], case)
    check_step(args, params, sgd_expected(x, y, params, 0.2), case)


# -- numerical stability ----------------------------------------------------------------------------

@pytest.mark.category("numerical-stability")
def test_logits_of_magnitude_1e4(solution):
    # W1 = I and b1 = 0: h = relu(x) keeps the entries 1 and 0.5 (the -1s are off, away from the kink),
    # so the logits are the rows of W2 mixed by h, plus b2.
    #   example 0: logits ~ [1e4, 1e4 - 1, -1e4, 0], label 1         exp(1e4) overflows without a max shift
    #   example 1: logits ~ [-1e4, -1e4 + 2, -1e4 - 1, -1e4 + 0.5],  all far below the batch's max: one max
    #              label 2                                            for the whole batch underflows to log(0)
    #   example 2: logits ~ [0, 5e3, -5e3, 1e4], label 2             confidently wrong: its softmax is exactly
    #                                                                 0, its loss 1.5e4 (not log(0), not -log(eps))
    #   example 3: logits ~ [5e3, 5e3, -1.5e4, -5e3], label 0        two near-equal logits of magnitude 5e3
    x = np.array([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0], [1.0, 0.5, -1.0]])  # (4, 3)
    W1, b1 = np.eye(3), np.zeros(3)
    W2 = np.array([[1e4, 1e4 - 1, -1e4, 0.0],
                   [-1e4, -1e4 + 2, -1e4 - 1, -1e4 + 0.5],
                   [0.0, 5e3, -5e3, 1e4]])                                            # (3, 4)
    b2 = np.array([0.25, -0.5, 0.125, 0.0])
    y = np.array([1, 2, 2, 0])
    case = "logits of magnitude 1e4 (N=4, D=H=3, C=4): rows near +1e4 and near -1e4, confidently wrong labels"
    with classic_cause(STABLE_HINT):
        loss, grads = loss_and_grads(solution, x, y, (W1, b1, W2, b2), case)
    for name in PARAMS:
        if not np.all(np.isfinite(grads[name])):
            raise AssertionError(f"grads['{name}'] is not finite for {case}: {STABLE_HINT}")
    expected_loss, expected = ref.mlp_loss_and_grads(x, y, W1, b1, W2, b2)
    check_loss(loss, expected_loss, case + f" (about {expected_loss:.5g}: the logit gaps of the wrong labels)")
    check_grads(grads, expected, case, BIG)


@pytest.mark.category("numerical-stability")
def test_confident_correct_predictions_have_an_exact_tiny_loss(solution):
    # Every label's logit is >= 45 above the others (the logits stay below 100, so this is not about
    # overflow): the true loss is mean(log(1 + sum exp(-gap))) ~ 5e-21. An epsilon inside the log,
    # or probabilities clipped below 1, add about their own size instead.
    x, y, (W1, b1, W2, b2) = make_problem(22, N=6, D=4, H=5, C=3)    # fixed: every row needs a clear top logit
    logits = np.maximum(x @ W1 + b1, 0.0) @ W2
    y = logits.argmax(axis=1)                                                          # the predicted classes
    top2 = np.sort(logits, axis=1)[:, -2:]                                             # (6, 2)
    scale = 45.0 / (top2[:, 1] - top2[:, 0]).min()                                     # smallest margin -> 45
    W2 = W2 * scale                                                                    # every margin >= 45
    b2 = np.zeros_like(b2)
    others = np.arange(3)[None, :] != y[:, None]                                      # (6, 3) the wrong classes
    gaps = scale * (logits[np.arange(6), y][:, None] - logits)                         # (6, 3), >= 45 where others
    true_loss = float(np.mean(np.log1p(np.where(others, np.exp(-gaps), 0.0).sum(axis=1))))
    case = (f"confident correct predictions: every label's logit >= 45 above the others, N=6, C=3 (seed 22), "
            f"true loss {true_loss:.3g}")
    with classic_cause(STABLE_HINT):
        loss, _ = loss_and_grads(solution, x, y, (W1, b1, W2, b2), case)
    check_loss(loss, true_loss, case + " (an epsilon or a clip inside the log adds about its own size)", TINY)


@pytest.mark.category("numerical-stability")
def test_float32_values_are_accurate(solution, seed):
    # Same float32 problems as the dtype test; here only the values count, to float32 rounding (F32).
    for case_seed in (14, 15):
        problem_seed, x, y, params = problem_off_the_kink(seed(case_seed), 3e-3, N=9, D=6, H=8, C=5, dtype=np.float32)
        case = f"random float32 N=9, D=6, H=8, C=5 problem (seed {problem_seed})"
        check_against_reference(solution, x, y, params, case, grad_tol=F32, loss_tol=LOSS32)
        step = f"one step with lr=0.1 on the {case}"
        loss, args = train_step(solution, x, y, params, step, lr=0.1)
        check_loss(loss, ref.mlp_loss_and_grads(x, y, *params)[0], step, LOSS32)
        check_step(args, params, sgd_expected(x, y, params, 0.1), step, STEP32)


# -- shapes and dtypes ------------------------------------------------------------------------------

@pytest.mark.category("shapes")
def test_grads_dict_keys_and_shapes(solution, seed):
    # N=9, D=5, H=7, C=4 all differ: a transposed dW1, a bias gradient kept as (1, H) or summed over
    # the wrong axis all show as a wrong shape.
    x, y, params = make_problem(seed(16), N=9, D=5, H=7, C=4)
    out = solution.mlp_loss_and_grads(x, y, *params)
    unpack(out, params, f"random N=9, D=5, H=7, C=4 problem (seed {seed(16)}): grads must be "
           "{'W1': (5, 7), 'b1': (7,), 'W2': (7, 4), 'b2': (4,)}")


@pytest.mark.category("dtype")
def test_grads_keep_the_input_dtype(solution, seed):
    for case_seed in (14, 15):                                   # the float32 accuracy test's problems
        problem_seed, x, y, params = problem_off_the_kink(seed(case_seed), 3e-3, N=9, D=6, H=8, C=5, dtype=np.float32)
        case = f"random float32 N=9, D=6, H=8, C=5 problem (seed {problem_seed})"
        loss, grads = loss_and_grads(solution, x, y, params, case)
        _, expected = ref.mlp_loss_and_grads(*as64(x, y, params))
        for name in PARAMS:
            if grads[name].dtype != np.float32:
                raise AssertionError(f"dtype {grads[name].dtype} for grads['{name}'] of the {case}; expected float32 "
                                     f"(keep the inputs' dtype; {values_note(grads[name], expected[name], F32)})")
        step = f"one step with lr=0.1 on the {case}"
        train_step(solution, x, y, params, step, lr=0.1)   # its loss: a single float
    x, y, params = make_problem(seed(19))
    case = f"random float64 N=8, D=5, H=7, C=4 problem (seed {seed(19)})"
    _, grads = loss_and_grads(solution, x, y, params, case)
    _, expected = ref.mlp_loss_and_grads(x, y, *params)
    for name in PARAMS:
        if grads[name].dtype != np.float64:
            raise AssertionError(f"dtype {grads[name].dtype} for grads['{name}'] of the {case}; expected float64 "
                                 f"(keep the inputs' dtype; {values_note(grads[name], expected[name], F64)})")


# -- side effects -----------------------------------------------------------------------------------

@pytest.mark.category("side-effects")
def test_loss_and_grads_does_not_modify_its_inputs(solution, seed):
    x, y, params = make_problem(seed(17))
    saved = [a.copy() for a in (x, y, *params)]
    _, args, _ = solution.mlp_loss_and_grads.with_inputs(x, y, *params)
    for name, before, after in zip(("x", "y", *PARAMS), saved, args):
        assert_unchanged(after, before, name,
                         f"mlp_loss_and_grads of a random N=8, D=5, H=7, C=4 problem (seed {seed(17)})")


@pytest.mark.category("side-effects")
def test_train_step_updates_the_callers_arrays_in_place(solution, seed):
    x, y, params = make_problem(seed(18))
    case = f"one step with lr=0.1 on a random N=8, D=5, H=7, C=4 problem (seed {seed(18)})"
    _, args = train_step(solution, x, y, params, case, lr=0.1)
    assert_unchanged(args[0], x, "x", case)
    assert_unchanged(args[1], y, "y", case)
    for name, before, after in zip(PARAMS, params, args[2:]):
        if not isinstance(after, np.ndarray) or after.shape != before.shape or after.dtype != before.dtype:
            raise AssertionError(f"the caller's {name} came back as {type(after).__name__} "
                                 f"{getattr(after, 'shape', '')} {getattr(after, 'dtype', '')} after {case}; "
                                 f"expected the same {before.dtype} {before.shape} array, updated in place")
        if np.array_equal(after, before):
            raise AssertionError(f"the caller's {name} is unchanged after {case}: update it in place "
                                 f"({name} -= lr * grad, or {name}[...] = ...); `{name} = {name} - lr * grad` only "
                                 f"rebinds a local name to a new array (and a tensor's `{name}.data = ...` swaps in new "
                                 "memory instead of writing into the caller's)")
