"""Hidden tests of the norms kata's level `fused_residual` (both frameworks): the residual add fused with
RMSNorm, fused_add_rms_norm(x, residual, gamma, eps=1e-6) -> (y, new_residual) and
fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, eps=1e-6) -> (dx, dresidual, dgamma).

Expected values come from the float64 reference (graders/keys/norms/levels/fused_residual/reference.py,
checked against torch's F.rms_norm and autograd in its test_oracle.py), from the kata's own rms_norm
reference at h = x + residual, or by hand. One test checks the solution's backward against central
finite differences of its own forward. Tolerances are the kata's (katas/norms/test_norms.py: F64 rtol
1e-9, F32 rtol 1e-5, absolute floors scaled by the largest value): the fused functions do the kata's
arithmetic plus one add, which float64 styles do identically up to an ulp (h is the same float in every
style: x + residual rounded once), so the kata's measured margins carry over; the bugs targeted here
are off by far more (a missing gradient path by O(1), a wrong default eps by ~10%).
"""

import numpy as np
import pytest

from graders.check import assert_finite, assert_shape, assert_unchanged, classic_cause
from graders.keys.norms import reference as base
from graders.keys.norms.levels.fused_residual import reference as ref
from katas.norms.test_norms import F32, F64, ZERO_ROW_HINT, check, check_dtype, directional_check, unpack

FORWARD = ("y", "new_residual")
GRADS = ("dx", "dresidual", "dgamma")


def make_inputs(seed, shape, dtype=np.float64, loc=0.5, scale=1.5):
    """x, residual (*shape) ~ loc + scale N(0, 1); gamma (d,) ~ 1 + 0.5 N; dy, dresidual_out (*shape) ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    x = loc + scale * rng.standard_normal(shape)
    residual = loc + scale * rng.standard_normal(shape)
    gamma = 1.0 + 0.5 * rng.standard_normal(shape[-1])
    dy, dresidual_out = rng.standard_normal(shape), rng.standard_normal(shape)
    return tuple(a.astype(dtype) for a in (x, residual, gamma, dy, dresidual_out))


def eps_kwargs(eps):
    return {} if eps is None else {"eps": eps}


def check_forward(solution, case, x, residual, gamma, eps=None, tol=F64):
    """fused_add_rms_norm against the reference: y and new_residual, each shaped like x."""
    got = unpack(solution.fused_add_rms_norm(x, residual, gamma, **eps_kwargs(eps)), FORWARD,
                 f"fused_add_rms_norm of {case}")
    expected = ref.fused_add_rms_norm(x, residual, gamma, **eps_kwargs(eps))
    out = []
    for name, g, e in zip(FORWARD, got, expected):
        what = f"{name} of fused_add_rms_norm for {case}"
        assert_shape(g, x.shape, what + " (shaped like x)")
        out.append(check(g, e, what, tol))
    return out


def check_backward(solution, case, dy, dresidual_out, x, residual, gamma, eps=None, tol=F64, expected=None):
    """fused_add_rms_norm_backward against the reference (or `expected`): dx, dresidual like x, dgamma (d,)."""
    got = unpack(solution.fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, **eps_kwargs(eps)),
                 GRADS, f"fused_add_rms_norm_backward of {case}")
    if expected is None:
        expected = ref.fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, **eps_kwargs(eps))
    out = []
    for name, g, e in zip(GRADS, got, expected):
        what = f"{name} of fused_add_rms_norm_backward for {case}"
        hint = " (summed over every leading axis: shape (d,))" if name == "dgamma" else " (shaped like x)"
        assert_shape(g, np.shape(e), what + hint)
        out.append(check(g, e, what, tol))
    return out


# -- correctness ----------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_forward_matches_reference(solution, seed):
    x, residual, gamma, _, _ = make_inputs(seed(0), (4, 8))
    check_forward(solution, f"random (4, 8) float64 rows (seed {seed(0)})", x, residual, gamma)


@pytest.mark.category("correctness")
def test_forward_hand_computed(solution):
    # x + residual = [3, 1, 1, 1]: mean square 3, with eps = 1 the root is 2, so y = [1.5, 0.5, 0.5, 0.5] * gamma.
    # Normalising x alone ([2, 0, 1, 1]) or adding the residual after the norm gives other rows.
    x, residual = np.array([[2.0, 0.0, 1.0, 1.0]]), np.array([[1.0, 1.0, 0.0, 0.0]])
    gamma = np.array([1.0, 2.0, 3.0, 4.0])
    case = "x = [2, 0, 1, 1], residual = [1, 1, 0, 0], eps=1 (the sum [3, 1, 1, 1] has mean square 3, sqrt(3 + 1) = 2)"
    y, new_residual = unpack(solution.fused_add_rms_norm(x, residual, gamma, eps=1.0), FORWARD,
                             f"fused_add_rms_norm of {case}")
    check(new_residual, [[3.0, 1.0, 1.0, 1.0]], f"new_residual of fused_add_rms_norm for {case}: x + residual")
    check(y, [[1.5, 1.0, 1.5, 2.0]], f"y of fused_add_rms_norm for {case}: rms_norm of x + residual")


@pytest.mark.category("correctness")
def test_backward_matches_reference(solution, seed):
    x, residual, gamma, dy, dresidual_out = make_inputs(seed(1), (4, 8))
    check_backward(solution, f"random (4, 8) float64 rows (seed {seed(1)})", dy, dresidual_out, x, residual, gamma)


@pytest.mark.category("correctness")
def test_each_gradient_path_alone(solution, seed):
    # dy = 0: only the residual stream's gradient flows, straight through the add to x and residual alike.
    x, residual, gamma, dy, dresidual_out = make_inputs(seed(2), (3, 6))
    zeros = np.zeros_like(dy)
    case = f"dy = 0, random dresidual_out (3, 6) (seed {seed(2)}): dx = dresidual = dresidual_out, dgamma = 0"
    check_backward(solution, case, zeros, dresidual_out, x, residual, gamma,
                   expected=(dresidual_out, dresidual_out, np.zeros(6)))
    # dresidual_out = 0: the kata's rms_norm_backward at h = x + residual, passed to x and residual alike.
    dh, dgamma = base.rms_norm_backward(dy, x + residual, gamma)
    case = (f"dresidual_out = 0, random dy (3, 6) (seed {seed(2)}): dx = dresidual = the RMSNorm backward "
            "at h = x + residual")
    check_backward(solution, case, dy, zeros, x, residual, gamma, expected=(dh, dh, dgamma))


@pytest.mark.category("correctness")
def test_backward_is_the_gradient_of_the_forward(solution, seed):
    x, residual, gamma, dy, dresidual_out = make_inputs(seed(3), (3, 6))
    rng = np.random.default_rng(seed(30))
    case = f"random (3, 6) float64 rows (seed {seed(3)}, directions seed {seed(30)})"

    def weighted_outputs(x_, residual_, gamma_):                 # its sum is sum(dy * y) + sum(dres * new_res)
        y, new_residual = unpack(solution.fused_add_rms_norm(x_, residual_, gamma_), FORWARD,
                                 f"fused_add_rms_norm of {case}")
        return dy * np.asarray(y) + dresidual_out * np.asarray(new_residual)

    params = (x, residual, gamma)
    grads = unpack(solution.fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma), GRADS,
                   f"fused_add_rms_norm_backward of {case}")
    for index, (name, grad) in enumerate(zip(GRADS, grads)):
        grad = assert_shape(grad, params[index].shape, f"{name} of fused_add_rms_norm_backward for {case}")
        for _ in range(2):
            v = rng.standard_normal(grad.shape)
            directional_check(weighted_outputs, grad, params, index, v, f"fused_add_rms_norm_backward's {name}",
                              case)


@pytest.mark.category("correctness")
def test_default_eps(solution, seed):
    # x + residual of root mean square ~1e-3: the mean square is about eps = 1e-6, so a different default
    # (1e-5, LayerNorm's; or 0) changes y and the gradients by tens of percent.
    x, residual, gamma, dy, dresidual_out = make_inputs(seed(4), (4, 6), loc=0.0, scale=7e-4)
    case = f"(4, 6) rows whose sum x + residual has mean square ~ eps = 1e-6, eps omitted (seed {seed(4)})"
    check_forward(solution, case, x, residual, gamma)
    check_backward(solution, case, dy, dresidual_out, x, residual, gamma)


@pytest.mark.category("correctness")
def test_explicit_eps_is_used(solution, seed):
    x, residual, gamma, dy, dresidual_out = make_inputs(seed(5), (3, 7))
    case = f"random (3, 7) rows with eps=0.3 (seed {seed(5)})"
    check_forward(solution, case, x, residual, gamma, eps=0.3)
    check_backward(solution, case, dy, dresidual_out, x, residual, gamma, eps=0.3)


# -- edge cases and shapes ------------------------------------------------------------------------------

@pytest.mark.category("edge-case")
def test_rows_where_x_cancels_the_residual(solution, seed):
    x, residual, gamma, dy, dresidual_out = make_inputs(seed(6), (3, 5))
    x[[0, 2]] = -residual[[0, 2]]                                   # rows 0 and 2 of x + residual are all zero
    case = f"(3, 5) rows, x = -residual in rows 0 and 2 (their sum is all zero) (seed {seed(6)})"
    with classic_cause(ZERO_ROW_HINT):
        y, new_residual = unpack(solution.fused_add_rms_norm(x, residual, gamma), FORWARD,
                                 f"fused_add_rms_norm of {case}")
        grads = unpack(solution.fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma), GRADS,
                       f"fused_add_rms_norm_backward of {case}")
    y = assert_shape(y, x.shape, f"y of fused_add_rms_norm for {case}")
    assert_finite(y, f"y of fused_add_rms_norm for {case}")
    check(y[[0, 2]], np.zeros((2, 5)), f"y of fused_add_rms_norm for the all-zero rows of {case}: y must be 0")
    for name, g in zip(GRADS, grads):
        assert_finite(g, f"{name} of fused_add_rms_norm_backward for {case}")
    check_forward(solution, case, x, residual, gamma)
    check_backward(solution, case, dy, dresidual_out, x, residual, gamma)


@pytest.mark.category("shapes")
def test_3d_input_sums_over_every_leading_axis(solution, seed):
    x, residual, gamma, dy, dresidual_out = make_inputs(seed(7), (2, 3, 5))
    case = f"a (B, T, d) = (2, 3, 5) input (seed {seed(7)})"
    check_forward(solution, case, x, residual, gamma)
    check_backward(solution, case, dy, dresidual_out, x, residual, gamma)


@pytest.mark.category("shapes")
def test_1d_and_4d_inputs(solution, seed):
    for case_seed, shape in ((8, (7,)), (9, (2, 2, 3, 4))):
        x, residual, gamma, dy, dresidual_out = make_inputs(seed(case_seed), shape)
        case = f"a {shape} input (seed {seed(case_seed)})"
        check_forward(solution, case, x, residual, gamma)
        check_backward(solution, case, dy, dresidual_out, x, residual, gamma)


# -- dtypes and inputs ----------------------------------------------------------------------------------

def all_outputs(solution, inputs, case):
    """[(name, got, expected)] for the five outputs of the two functions on float inputs."""
    x, residual, gamma, dy, dresidual_out = inputs
    got = (*unpack(solution.fused_add_rms_norm(x, residual, gamma), FORWARD, f"fused_add_rms_norm of {case}"),
           *unpack(solution.fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma), GRADS,
                   f"fused_add_rms_norm_backward of {case}"))
    expected = (*ref.fused_add_rms_norm(x, residual, gamma),
                *ref.fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma))
    names = [f"{n} of fused_add_rms_norm" for n in FORWARD] + [f"{n} of fused_add_rms_norm_backward" for n in GRADS]
    return list(zip(names, got, expected))


@pytest.mark.category("dtype")
def test_float32_in_float32_out(solution, seed):
    case = f"float32 (3, 5, 16) inputs (seed {seed(10)})"
    for what, actual, expected in all_outputs(solution, make_inputs(seed(10), (3, 5, 16), np.float32), case):
        check_dtype(actual, np.float32, expected, f"{what} for {case}", F32)


@pytest.mark.category("numerical-stability")
def test_float32_inputs_are_accurate(solution, seed):
    # Same inputs as the dtype test: here only the values count, to float32 rounding (see the kata's F32).
    case = f"float32 (3, 5, 16) inputs (seed {seed(10)})"
    for what, actual, expected in all_outputs(solution, make_inputs(seed(10), (3, 5, 16), np.float32), case):
        hint = " (summed over every leading axis: shape (d,))" if what.startswith("dgamma") else ""
        assert_shape(actual, expected.shape, f"{what} for {case}{hint}")
        check(actual, expected, f"{what} for {case}", F32)


@pytest.mark.category("dtype")
def test_mixed_dtypes(solution, seed):
    # new_residual is x + residual (gamma plays no part in it); y is rms_norm(new_residual, gamma).
    x, residual, gamma, _, _ = make_inputs(seed(11), (3, 6))
    x32, residual32, gamma32 = (a.astype(np.float32) for a in (x, residual, gamma))
    cases = (
        ("float32 x with float64 residual and gamma", (x32, residual, gamma), (np.float64, np.float64), F32),
        ("float32 x and residual with float64 gamma", (x32, residual32, gamma), (np.float64, np.float32), F32),
        ("float64 x and residual with float32 gamma", (x, residual, gamma32), (np.float64, np.float64), F64),
    )
    for case, args, dtypes, tol in cases:
        got = unpack(solution.fused_add_rms_norm(*args), FORWARD, f"fused_add_rms_norm of {case}")
        for name, actual, expected, dtype in zip(FORWARD, got, ref.fused_add_rms_norm(*args), dtypes):
            rule = ("np.result_type of x and residual" if name == "new_residual"
                    else "np.result_type of x, residual and gamma")
            check_dtype(actual, dtype, expected, f"{name} of fused_add_rms_norm for {case}, (3, 6) "
                        f"(seed {seed(11)}; {rule} is {np.dtype(dtype)})", tol)


@pytest.mark.category("side-effects")
def test_inputs_not_modified(solution, seed):
    x, residual, gamma, dy, dresidual_out = make_inputs(seed(12), (3, 4))
    calls = (
        ("fused_add_rms_norm", (x, residual, gamma), ("x", "residual", "gamma")),
        ("fused_add_rms_norm_backward", (dy, dresidual_out, x, residual, gamma),
         ("dy", "dresidual_out", "x", "residual", "gamma")),
    )
    for fn, args, arg_names in calls:
        saved = [a.copy() for a in args]
        _, after, _ = getattr(solution, fn).with_inputs(*args)
        for name, before, now in zip(arg_names, saved, after):
            assert_unchanged(now, before, name, f"{fn} of random (3, 4) float64 rows (seed {seed(12)}; "
                             "return new arrays, do not update the residual stream in place)")
