"""Hidden tests of the `norms` kata: layer_norm, layer_norm_backward, rms_norm, rms_norm_backward.

Every value is compared with the float64 reference (graders/keys/norms/reference.py, itself checked
against torch's F.layer_norm / F.rms_norm and autograd, and against finite differences), or with
values derived by hand (y = beta on a constant row, zero gradients at d = 1). One test also checks
the solution's backward against central finite differences of its own forward. Dtype tests fail
only for a wrong dtype (their messages say whether the values are right); float32 accuracy is a
separate numerical-stability test on the same inputs.

Tolerances: |got - expected| <= rtol * |expected| + atol_scale * max(1, max|expected|), the absolute
floor scaled by the array's largest value because entries near 0 (a centred row, a gradient whose
terms cancel) carry the rounding of the whole row, not their own.
  F64    rtol 1e-9, atol_scale 1e-12. Correct float64 styles (the reference and the alternatives:
         compact and staged chain-rule backwards, Welford loops in Python floats, one-pass moments of
         the row shifted by its first entry, row sums) were measured over 300 random cases of each
         kind (random rows, spread 3e-3 ~ sqrt(eps)) with no excess over these bounds (largest
         elementwise relative error 2e-10, at entries near 0); the bugs these tests target are off
         by > 1e-7 relative (no eps in RMSNorm 1.6e-7, eps outside the root 5e-6, ddof=1 1e-2).
  OFFSET rows with mean 1e4 and spread 1: rtol 1e-9, atol_scale 1e-10. The input's own rounding
         (ulp(1e4) = 1.8e-12) reaches every centred value; Welford in Python floats, the worst
         correct style, was measured at 1.6e-12 of the largest value beyond rtol (300 cases of
         (8, 64)), while the one-pass variance E[x^2] - E[x]^2 errs by 2e-9 .. 2e-8 (1e-8 median,
         6e-8 on the seed used): 60x below and > 20x above the bound.
  F32    rtol 1e-5, atol_scale 1e-6. Float32-throughout styles (compact, row sums with np.var,
         staged chain rule, one-pass moments) were measured over 300 random (3, 5, 16) and (4, 64)
         cases at <= 1.2e-7 of the largest value beyond rtol 1e-5 (dgamma, a sum over 15 rows);
         float64-inside styles round once (half an ulp). Also used for float32 x in the mixed-dtype
         test, where x may be normalised in float32 before meeting float64 gamma.
  Finite differences: central, h = 1e-5, of sum(dy * y) along random directions; the reference
         and every alternative agree to <= 1.1e-10 of |grad| |v| (100 seeds), the bound is 1e-6 of
         it; the mutants' wrong gradients are off by 3e-2 .. 1 of it (1e-2 for ddof=1 in both passes).
  PyTorch (graders/keys/norms/torch/): the reference and its alternatives (row loops, staged chain
         rule, vector_norm with row sums, var_mean in float32 inside) over 200 cases of each kind above:
         worst 7.4e-5 of the F64 bound on random rows, 9.5e-3 at spread 3e-3, 3.8e-2 of the OFFSET bound,
         0.12 of the F32 bound (float32 inside; float64-inside styles equal the NumPy reference's floats).
"""

import numpy as np
import pytest

from graders.check import as_array, assert_close, assert_finite, assert_shape, assert_unchanged, classic_cause
from graders.keys.norms import reference as ref

F64 = (1e-9, 1e-12)        # (rtol, atol_scale): float64 inputs
OFFSET = (1e-9, 1e-10)     # float64 rows with mean 1e4, spread 1
F32 = (1e-5, 1e-6)         # float32 inputs

CONSTANT_ROW_HINT = ("a constant row has variance 0: eps belongs inside the square root, sqrt(var + eps), "
                     "in the forward and in the backward")
D1_HINT = ("with d = 1 every row is constant: the biased variance (divide by d, not d - 1) is 0, and "
           "eps inside the square root keeps 1 / sqrt(var + eps) finite")
ZERO_ROW_HINT = "an all-zero row has mean square 0: eps belongs inside the square root, sqrt(mean(x**2) + eps)"


def make_inputs(seed, shape, dtype=np.float64, loc=0.5, scale=2.0):
    """x (*shape) ~ loc + scale * N(0, 1); gamma (d,) ~ 1 + 0.5 N; beta (d,) ~ 0.5 N; dy (*shape) ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    d = shape[-1]
    x = loc + scale * rng.standard_normal(shape)
    gamma = 1.0 + 0.5 * rng.standard_normal(d)
    beta = 0.5 * rng.standard_normal(d)
    dy = rng.standard_normal(shape)
    return tuple(a.astype(dtype) for a in (x, gamma, beta, dy))


def check(actual, expected, case, tol=F64):
    """assert_close with an absolute floor scaled by the largest expected value."""
    rtol, atol_scale = tol
    expected = np.asarray(expected, dtype=np.float64)
    atol = atol_scale * max(1.0, float(np.abs(expected).max(initial=0.0)))
    return assert_close(actual, expected, case, rtol=rtol, atol=atol)


def values_close(actual, expected, tol):
    """True when `actual` would pass check(actual, expected, ..., tol): for messages only."""
    try:
        check(actual, expected, "", tol)
    except AssertionError:
        return False
    return True


def unpack(result, names, case):
    """The backward's tuple (dx, dgamma[, dbeta]), checked for its length."""
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = type(result).__name__
        if isinstance(result, (tuple, list)):
            got += f" of length {len(result)}"
        raise AssertionError(f"returned a {got} for {case}; expected a tuple ({', '.join(names)})")
    return result


def eps_kwargs(eps):
    return {} if eps is None else {"eps": eps}


# -- call the solution and compare with the reference ----------------------------------------------------

def check_layer_norm(solution, case, x, gamma, beta, eps=None, tol=F64):
    y = solution.layer_norm(x, gamma, beta, **eps_kwargs(eps))
    expected = ref.layer_norm(x, gamma, beta, **eps_kwargs(eps))
    assert_shape(y, x.shape, f"layer_norm of {case} (y is shaped like x)")
    return check(y, expected, f"layer_norm of {case}", tol)


def check_layer_norm_backward(solution, case, dy, x, gamma, eps=None, tol=F64):
    names = ("dx", "dgamma", "dbeta")
    got = unpack(solution.layer_norm_backward(dy, x, gamma, **eps_kwargs(eps)), names, f"layer_norm_backward of {case}")
    expected = ref.layer_norm_backward(dy, x, gamma, **eps_kwargs(eps))
    return compare_grads(got, expected, names, "layer_norm_backward", case, tol)


def check_rms_norm(solution, case, x, gamma, eps=None, tol=F64):
    y = solution.rms_norm(x, gamma, **eps_kwargs(eps))
    expected = ref.rms_norm(x, gamma, **eps_kwargs(eps))
    assert_shape(y, x.shape, f"rms_norm of {case} (y is shaped like x)")
    return check(y, expected, f"rms_norm of {case}", tol)


def check_rms_norm_backward(solution, case, dy, x, gamma, eps=None, tol=F64):
    names = ("dx", "dgamma")
    got = unpack(solution.rms_norm_backward(dy, x, gamma, **eps_kwargs(eps)), names, f"rms_norm_backward of {case}")
    expected = ref.rms_norm_backward(dy, x, gamma, **eps_kwargs(eps))
    return compare_grads(got, expected, names, "rms_norm_backward", case, tol)


def compare_grads(got, expected, names, fn, case, tol):
    """Shapes first (dx like x, dgamma/dbeta (d,)), then values, gradient by gradient."""
    out = []
    for name, g, e in zip(names, got, expected):
        what = f"{name} of {fn} for {case}"
        hint = " (dx is shaped like x)" if name == "dx" else " (summed over every leading axis: shape (d,))"
        assert_shape(g, e.shape, what + hint)
        out.append(check(g, e, what, tol))
    return out


# -- LayerNorm ------------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_layer_norm_matches_reference(solution, seed):
    x, gamma, beta, _ = make_inputs(seed(0), (4, 8))
    check_layer_norm(solution, f"random (4, 8) float64 rows (seed {seed(0)})", x, gamma, beta)


@pytest.mark.category("correctness")
def test_layer_norm_hand_computed(solution):
    # Row [0, 0, 2, 2]: mean 1, biased variance 1 (ddof=1 would give 4/3). With eps = 0.44 the root
    # is sqrt(1 + 0.44) = 1.2 (eps added to the std would give 1.44), so xhat = [-1, -1, 1, 1] / 1.2.
    x = np.array([[0.0, 0.0, 2.0, 2.0]])
    gamma, beta = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.5, 0.0, -0.5, 1.0])
    y = solution.layer_norm(x, gamma, beta, eps=0.44)
    check(y, [[-1 / 1.2 + 0.5, -2 / 1.2, 3 / 1.2 - 0.5, 4 / 1.2 + 1.0]],
          "layer_norm of the row [0, 0, 2, 2] with eps=0.44 (mean 1, biased variance 1, sqrt(1 + 0.44) = 1.2)")


@pytest.mark.category("correctness")
def test_layer_norm_backward_matches_reference(solution, seed):
    x, gamma, _, dy = make_inputs(seed(1), (4, 8))
    check_layer_norm_backward(solution, f"random (4, 8) float64 rows (seed {seed(1)})", dy, x, gamma)


# -- RMSNorm --------------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_rms_norm_matches_reference(solution, seed):
    x, gamma, _, _ = make_inputs(seed(2), (4, 8), loc=1.5)     # rows with a clearly nonzero mean
    check_rms_norm(solution, f"random (4, 8) float64 rows with mean ~1.5 (seed {seed(2)})", x, gamma)


@pytest.mark.category("correctness")
def test_rms_norm_hand_computed_no_mean_subtraction(solution):
    # Row [3, 1, 1, 1]: mean square 3, with eps = 1 the root is 2, so y = [1.5, 0.5, 0.5, 0.5] * gamma.
    # Subtracting the mean (1.5) first would give a different row.
    x = np.array([[3.0, 1.0, 1.0, 1.0]])
    gamma = np.array([1.0, 2.0, 3.0, 4.0])
    y = solution.rms_norm(x, gamma, eps=1.0)
    check(y, [[1.5, 1.0, 1.5, 2.0]],
          "rms_norm of the row [3, 1, 1, 1] with eps=1 (mean square 3, sqrt(3 + 1) = 2, no mean subtracted)")


@pytest.mark.category("correctness")
def test_rms_norm_backward_matches_reference(solution, seed):
    x, gamma, _, dy = make_inputs(seed(3), (4, 8), loc=1.5)
    check_rms_norm_backward(solution, f"random (4, 8) float64 rows with mean ~1.5 (seed {seed(3)})", dy, x, gamma)


# -- both -----------------------------------------------------------------------------------------------

def directional_check(forward, grad, params, index, direction, what, case, h=1e-5):
    """sum(grad * v) against the central difference of sum(dy * forward(...)) along v."""
    def loss(step):
        moved = list(params)
        moved[index] = params[index] + step * direction
        return float(np.sum(forward(*moved)))                      # forward already multiplied by dy
    numeric = (loss(h) - loss(-h)) / (2 * h)
    analytic = float(np.sum(np.asarray(grad, dtype=np.float64) * direction))
    bound = 1e-6 * float(np.linalg.norm(grad) * np.linalg.norm(direction)) + 1e-12
    if not abs(numeric - analytic) <= bound:
        raise AssertionError(
            f"{what} along a random direction for {case}: your backward gives {analytic:.10g}, central "
            f"differences of your forward (h={h:g}) give {numeric:.10g} (difference {abs(numeric - analytic):.2e}, "
            f"allowed {bound:.2e}). The backward is not the gradient of the forward (if the forward itself "
            "fails the correctness tests, fix it first)")


@pytest.mark.category("correctness")
def test_backward_is_the_gradient_of_the_forward(solution, seed):
    x, gamma, beta, dy = make_inputs(seed(4), (3, 6))
    rng = np.random.default_rng(seed(40))
    case = f"random (3, 6) float64 rows (seed {seed(4)}, directions seed {seed(40)})"

    def ln(x_, g_, b_):
        return dy * as_array(solution.layer_norm(x_, g_, b_), f"layer_norm of {case}")

    dx, dgamma, dbeta = unpack(solution.layer_norm_backward(dy, x, gamma), ("dx", "dgamma", "dbeta"),
                               f"layer_norm_backward of {case}")
    for index, name, grad in ((0, "dx", dx), (1, "dgamma", dgamma), (2, "dbeta", dbeta)):
        grad = assert_shape(grad, (x, gamma, beta)[index].shape, f"{name} of layer_norm_backward for {case}")
        for _ in range(2):
            v = rng.standard_normal(grad.shape)
            directional_check(ln, grad, (x, gamma, beta), index, v, f"layer_norm_backward's {name}", case)

    def rms(x_, g_):
        return dy * as_array(solution.rms_norm(x_, g_), f"rms_norm of {case}")

    dx, dgamma = unpack(solution.rms_norm_backward(dy, x, gamma), ("dx", "dgamma"), f"rms_norm_backward of {case}")
    for index, name, grad in ((0, "dx", dx), (1, "dgamma", dgamma)):
        grad = assert_shape(grad, (x, gamma)[index].shape, f"{name} of rms_norm_backward for {case}")
        for _ in range(2):
            v = rng.standard_normal(grad.shape)
            directional_check(rms, grad, (x, gamma), index, v, f"rms_norm_backward's {name}", case)


@pytest.mark.category("correctness")
def test_default_eps(solution, seed):
    # Rows whose variance (LayerNorm) or mean square (RMSNorm) is about eps itself: the default
    # eps (1e-5 and 1e-6) changes the result by tens of percent, so a different default shows.
    x, gamma, beta, dy = make_inputs(seed(5), (4, 6), loc=0.2, scale=3e-3)     # var ~ 9e-6
    case = f"(4, 6) rows of spread 3e-3 (variance ~ eps = 1e-5), eps omitted (seed {seed(5)})"
    check_layer_norm(solution, case, x, gamma, beta)
    check_layer_norm_backward(solution, case, dy, x, gamma)
    x, gamma, _, dy = make_inputs(seed(6), (4, 6), loc=0.0, scale=1e-3)        # mean square ~ 1e-6
    case = f"(4, 6) rows of root mean square ~1e-3 (mean square ~ eps = 1e-6), eps omitted (seed {seed(6)})"
    check_rms_norm(solution, case, x, gamma)
    check_rms_norm_backward(solution, case, dy, x, gamma)


@pytest.mark.category("correctness")
def test_explicit_eps_is_used(solution, seed):
    x, gamma, beta, dy = make_inputs(seed(7), (3, 7))
    case = f"random (3, 7) rows with eps=0.5 (seed {seed(7)})"
    check_layer_norm(solution, case, x, gamma, beta, eps=0.5)
    check_layer_norm_backward(solution, case, dy, x, gamma, eps=0.5)
    case = f"random (3, 7) rows with eps=0.3 (seed {seed(7)})"
    check_rms_norm(solution, case, x, gamma, eps=0.3)
    check_rms_norm_backward(solution, case, dy, x, gamma, eps=0.3)


@pytest.mark.category("numerical-stability")
def test_rows_far_from_the_origin(solution, seed):
    # Mean 1e4, spread 1: E[x^2] ~ 1e8, so E[x^2] - E[x]^2 cancels eight digits of the variance.
    x, gamma, beta, dy = make_inputs(seed(8), (8, 64), loc=1e4, scale=1.0)
    case = f"(8, 64) float64 rows with mean 1e4 and spread 1 (seed {seed(8)})"
    check_layer_norm(solution, case, x, gamma, beta, tol=OFFSET)
    check_layer_norm_backward(solution, case, dy, x, gamma, tol=OFFSET)
    check_rms_norm(solution, case, x, gamma, tol=OFFSET)
    check_rms_norm_backward(solution, case, dy, x, gamma, tol=OFFSET)


@pytest.mark.category("edge-case")
def test_constant_rows(solution, seed):
    # Three constant rows (variance exactly 0; the values sum exactly) and one ordinary row.
    x = np.array([[3.0] * 5, [-0.25] * 5, [0.0] * 5, [1.0, 2.0, -1.0, 0.5, 4.0]])     # (4, 5)
    _, gamma, beta, dy = make_inputs(seed(9), x.shape)
    case = f"(4, 5) rows, the first three constant (3, -0.25, 0) (seed {seed(9)})"
    with classic_cause(CONSTANT_ROW_HINT):
        y = solution.layer_norm(x, gamma, beta)
        grads = unpack(solution.layer_norm_backward(dy, x, gamma), ("dx", "dgamma", "dbeta"),
                       f"layer_norm_backward of {case}")
    y = assert_shape(y, x.shape, f"layer_norm of {case}")
    assert_finite(y, f"layer_norm of {case}")
    check(y[:3], np.broadcast_to(beta, (3, 5)), f"layer_norm of the constant rows of {case}: y must be beta")
    check(y, ref.layer_norm(x, gamma, beta), f"layer_norm of {case}")
    for name, g in zip(("dx", "dgamma", "dbeta"), grads):
        assert_finite(g, f"{name} of layer_norm_backward for {case}")
    compare_grads(grads, ref.layer_norm_backward(dy, x, gamma), ("dx", "dgamma", "dbeta"),
                  "layer_norm_backward", case, F64)


@pytest.mark.category("edge-case")
def test_d_equals_1(solution):
    x = np.array([[2.0], [-0.5], [1e-3], [0.0], [1e4]])                               # (5, 1)
    gamma, beta, dy = np.array([1.5]), np.array([-0.25]), np.array([[1.0], [-2.0], [0.5], [3.0], [-1.0]])
    case = "(5, 1) rows (d = 1)"
    with classic_cause(D1_HINT):
        y = solution.layer_norm(x, gamma, beta)
        grads = unpack(solution.layer_norm_backward(dy, x, gamma), ("dx", "dgamma", "dbeta"),
                       f"layer_norm_backward of {case}")
    y = assert_shape(y, x.shape, f"layer_norm of {case}")
    check(y, np.full((5, 1), -0.25), f"layer_norm of {case}: every row is constant, so y = beta")
    compare_grads(grads, (np.zeros((5, 1)), np.zeros(1), np.array([dy.sum()])), ("dx", "dgamma", "dbeta"),
                  "layer_norm_backward", case + " (xhat = 0: dx = 0, dgamma = 0, dbeta = sum(dy))", F64)
    # RMSNorm at d = 1 is x / sqrt(x^2 + eps) * gamma; |x| <= 0.1 keeps its gradient's terms from
    # cancelling (1 - x^2 / (x^2 + eps) >= 1e-4), so float64 styles stay well inside rtol 1e-9.
    x = np.array([[0.1], [-0.05], [1e-3], [0.0], [-3e-4]])
    case = "(5, 1) rows in [-0.1, 0.1] (d = 1)"
    with classic_cause(D1_HINT):
        check_rms_norm(solution, case, x, gamma)
        check_rms_norm_backward(solution, case, dy, x, gamma)


@pytest.mark.category("edge-case")
def test_rms_norm_all_zero_rows(solution, seed):
    x, gamma, _, dy = make_inputs(seed(10), (3, 5))
    x[[0, 2]] = 0.0                                                                   # rows 0 and 2 all zero
    case = f"(3, 5) rows, rows 0 and 2 all zero (seed {seed(10)})"
    with classic_cause(ZERO_ROW_HINT):
        y = solution.rms_norm(x, gamma)
        grads = unpack(solution.rms_norm_backward(dy, x, gamma), ("dx", "dgamma"), f"rms_norm_backward of {case}")
    y = assert_shape(y, x.shape, f"rms_norm of {case}")
    assert_finite(y, f"rms_norm of {case}")
    check(y[[0, 2]], np.zeros((2, 5)), f"rms_norm of the all-zero rows of {case}: y must be 0")
    check(y, ref.rms_norm(x, gamma), f"rms_norm of {case}")
    for name, g in zip(("dx", "dgamma"), grads):
        assert_finite(g, f"{name} of rms_norm_backward for {case}")
    compare_grads(grads, ref.rms_norm_backward(dy, x, gamma), ("dx", "dgamma"), "rms_norm_backward", case, F64)


# -- shapes ---------------------------------------------------------------------------------------------

@pytest.mark.category("shapes")
def test_3d_input_sums_over_every_leading_axis(solution, seed):
    x, gamma, beta, dy = make_inputs(seed(11), (2, 3, 5))
    case = f"a (B, T, d) = (2, 3, 5) input (seed {seed(11)})"
    check_layer_norm(solution, case, x, gamma, beta)
    check_layer_norm_backward(solution, case, dy, x, gamma)
    check_rms_norm(solution, case, x, gamma)
    check_rms_norm_backward(solution, case, dy, x, gamma)


@pytest.mark.category("shapes")
def test_1d_and_4d_inputs(solution, seed):
    for case_seed, shape in ((12, (7,)), (13, (2, 2, 3, 4))):
        x, gamma, beta, dy = make_inputs(seed(case_seed), shape)
        case = f"a {shape} input (seed {seed(case_seed)})"
        check_layer_norm(solution, case, x, gamma, beta)
        check_layer_norm_backward(solution, case, dy, x, gamma)
        check_rms_norm(solution, case, x, gamma)
        check_rms_norm_backward(solution, case, dy, x, gamma)


# -- dtypes and inputs ----------------------------------------------------------------------------------

def check_dtype(actual, dtype, expected, what, tol):
    """A dtype test fails only for a wrong dtype; its message says whether the values are right too."""
    actual = as_array(actual, what, f"a {np.dtype(dtype)} array")
    if actual.dtype != np.dtype(dtype):
        values = ("the values are right" if actual.shape == np.shape(expected) and values_close(actual, expected, tol)
                  else "the values are wrong too: see the correctness tests")
        raise AssertionError(f"dtype {actual.dtype} for {what}; expected {np.dtype(dtype)} ({values})")


def all_outputs(solution, x, gamma, beta, dy, case):
    """{"y of layer_norm": array, "dx of layer_norm_backward": array, ...}: every output of the four functions."""
    ln = unpack(solution.layer_norm_backward(dy, x, gamma), ("dx", "dgamma", "dbeta"), f"layer_norm_backward of {case}")
    rms = unpack(solution.rms_norm_backward(dy, x, gamma), ("dx", "dgamma"), f"rms_norm_backward of {case}")
    return {"y of layer_norm": solution.layer_norm(x, gamma, beta),
            **{f"{name} of layer_norm_backward": a for name, a in zip(("dx", "dgamma", "dbeta"), ln)},
            "y of rms_norm": solution.rms_norm(x, gamma),
            **{f"{name} of rms_norm_backward": a for name, a in zip(("dx", "dgamma"), rms)}}


def reference_outputs(x, gamma, beta, dy):
    return [ref.layer_norm(x, gamma, beta), *ref.layer_norm_backward(dy, x, gamma),
            ref.rms_norm(x, gamma), *ref.rms_norm_backward(dy, x, gamma)]


@pytest.mark.category("dtype")
def test_float32_in_float32_out(solution, seed):
    x, gamma, beta, dy = make_inputs(seed(14), (3, 5, 16), dtype=np.float32)
    case = f"float32 (3, 5, 16) inputs (seed {seed(14)})"
    got = all_outputs(solution, x, gamma, beta, dy, case)
    for (what, actual), expected in zip(got.items(), reference_outputs(x, gamma, beta, dy)):
        check_dtype(actual, np.float32, expected, f"{what} for {case}", F32)


@pytest.mark.category("numerical-stability")
def test_float32_inputs_are_accurate(solution, seed):
    # Same inputs as the dtype test: here only the values count, to float32 rounding (see F32).
    x, gamma, beta, dy = make_inputs(seed(14), (3, 5, 16), dtype=np.float32)
    case = f"float32 (3, 5, 16) inputs (seed {seed(14)})"
    got = all_outputs(solution, x, gamma, beta, dy, case)
    for (what, actual), expected in zip(got.items(), reference_outputs(x, gamma, beta, dy)):
        hint = "" if what.startswith(("y ", "dx ")) else " (summed over every leading axis: shape (d,))"
        assert_shape(actual, expected.shape, f"{what} for {case}{hint}")
        check(actual, expected, f"{what} for {case}", F32)


@pytest.mark.category("dtype")
def test_mixed_dtypes_give_result_type(solution, seed):
    x, gamma, beta, _ = make_inputs(seed(15), (3, 6))
    x32, gamma32, beta32 = (a.astype(np.float32) for a in (x, gamma, beta))
    # float32 x may be normalised in float32 before meeting gamma: float32 accuracy for those values.
    cases = (
        ("layer_norm", "float32 x with float64 gamma and beta", (x32, gamma, beta), F32),
        ("layer_norm", "float64 x with float32 gamma and beta", (x, gamma32, beta32), F64),
        ("rms_norm", "float32 x with float64 gamma", (x32, gamma), F32),
        ("rms_norm", "float64 x with float32 gamma", (x, gamma32), F64),
    )
    for fn, case, args, tol in cases:
        got = getattr(solution, fn)(*args)
        check_dtype(got, np.float64, getattr(ref, fn)(*args),
                    f"{fn} of {case}, (3, 6) (seed {seed(15)}; np.result_type is float64)", tol)


@pytest.mark.category("side-effects")
def test_inputs_not_modified(solution, seed):
    x, gamma, beta, dy = make_inputs(seed(16), (3, 4))
    calls = (
        ("layer_norm", (x, gamma, beta), ("x", "gamma", "beta")),
        ("layer_norm_backward", (dy, x, gamma), ("dy", "x", "gamma")),
        ("rms_norm", (x, gamma), ("x", "gamma")),
        ("rms_norm_backward", (dy, x, gamma), ("dy", "x", "gamma")),
    )
    for fn, args, arg_names in calls:
        saved = [a.copy() for a in args]
        _, after, _ = getattr(solution, fn).with_inputs(*args)
        for name, before, now in zip(arg_names, saved, after):
            assert_unchanged(now, before, name, f"{fn} of random (3, 4) float64 rows (seed {seed(16)})")
