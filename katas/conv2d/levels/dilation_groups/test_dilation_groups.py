"""Hidden tests of the conv2d level `dilation_groups` (both frameworks): conv2d_forward(x, w, b, stride, pad,
dilation, groups) and conv2d_backward(dout, x, w, stride, pad, dilation, groups) -> (dx, dw, db).

Expected values come from the float64 reference (graders/keys/conv2d/levels/dilation_groups/reference.py,
checked against torch.nn.functional.conv2d(dilation=, groups=) and autograd in its test_oracle.py) or are
worked out by hand. Tolerances are the kata's (katas/conv2d/test_conv2d.py): absolute tolerance relative to
the array's largest magnitude plus a relative one, float64 rtol 1e-9 / atol 1e-11 * max|expected|, float32
rtol 1e-5 / atol 2e-5 * max|expected|. A group's sums are shorter than the kata's (C_in/groups channels), so
the rounding is no larger. Measured over 300 seeds of the float32 cases with the two keys' styles that compute
in float32 (a loop over groups with einsum, NumPy and PyTorch): the worst error is 0.026 of the tolerance (db),
0.014 for dw, 0.009 for out and dx. Every value bug targeted is off by > 1e-2 of max|expected|, except a
float32 buffer for float64 inputs (off by float32 rounding, ~1e-7, still 1e4 x the float64 atol).
"""

import numpy as np
import pytest

from graders.check import assert_close, assert_dtype, assert_shape, assert_unchanged, summary
from graders.keys.conv2d.levels.dilation_groups import reference as ref

F64_RTOL, F64_ATOL = 1e-9, 1e-11      # atol is relative to max|expected| of the array compared
F32_RTOL, F32_ATOL = 1e-5, 2e-5


# -- inputs ---------------------------------------------------------------------------------------

def make_inputs(seed, B, C_in, C_out, H, W, kH, kW, stride, pad, dilation, groups, dtype=np.float64):
    """x (B, C_in, H, W), w (C_out, C_in // groups, kH, kW), b (C_out,), dout (B, C_out, H_out, W_out)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, C_in, H, W)).astype(dtype)
    w = rng.standard_normal((C_out, C_in // groups, kH, kW)).astype(dtype)
    b = rng.standard_normal(C_out).astype(dtype)
    H_out, W_out = ref.output_size(H, kH, stride, pad, dilation), ref.output_size(W, kW, stride, pad, dilation)
    dout = rng.standard_normal((B, C_out, H_out, W_out)).astype(dtype)
    return x, w, b, dout


def describe(B, C_in, C_out, H, W, kH, kW, stride, pad, dilation, groups, seed):
    return (f"x ({B}, {C_in}, {H}, {W}), w ({C_out}, {C_in // groups}, {kH}, {kW}), stride={stride}, pad={pad}, "
            f"dilation={dilation}, groups={groups}, seed {seed}")


# (B, C_in, C_out, H, W, kH, kW, stride, pad, dilation, groups); H != W and kH != kW in most of them.
DILATIONS = [
    (2, 3, 4, 9, 8, 3, 3, 1, 0, 2, 1),        # dilation 2: taps 2 apart, a 5x5 footprint
    (2, 2, 3, 10, 11, 3, 2, 2, 2, 2, 1),      # with stride 2 and pad 2
    (1, 2, 3, 11, 9, 2, 3, 1, 1, 3, 1),       # dilation 3, 2x3 kernel
]
GROUPS = [
    (2, 4, 6, 6, 7, 3, 3, 1, 1, 1, 2),        # 2 groups of 2 input channels and 3 filters
    (2, 6, 4, 7, 6, 3, 2, 2, 1, 1, 2),        # 2 groups of 3 input channels and 2 filters, stride 2
    (2, 6, 6, 6, 5, 2, 2, 1, 0, 1, 3),        # 3 groups of 2 and 2
]
DEPTHWISE = [
    (2, 4, 4, 7, 6, 3, 3, 1, 1, 1, 4),        # groups = C_in = C_out: one filter per channel
    (2, 3, 6, 6, 7, 3, 3, 1, 1, 1, 3),        # groups = C_in, C_out = 2 C_in: two filters per channel
]
BOTH = [
    (2, 4, 6, 11, 10, 3, 3, 2, 2, 2, 2),      # dilated and grouped, stride 2
    (2, 3, 3, 9, 8, 3, 2, 1, 2, 2, 3),        # dilated depthwise, "same" padding along H
]


# -- checks ---------------------------------------------------------------------------------------

def close(actual, expected, case, dtype=np.float64):
    """assert_close with the tolerance of the dtype: rtol plus atol relative to max|expected|."""
    expected = np.asarray(expected, dtype=np.float64)
    rtol, atol = (F32_RTOL, F32_ATOL) if dtype == np.float32 else (F64_RTOL, F64_ATOL)
    scale = float(np.abs(expected).max()) if expected.size else 0.0
    return assert_close(actual, expected, case, rtol=rtol, atol=atol * max(scale, 1e-300))


def values_match(actual, expected, dtype=np.float64):
    try:
        close(actual, expected, "", dtype)
    except AssertionError:
        return False
    return True


def forward(solution, x, w, b, stride, pad, dilation, groups):
    return solution.conv2d_forward(x, w, b, stride=stride, pad=pad, dilation=dilation, groups=groups)


def backward(solution, dout, x, w, stride, pad, dilation, groups, case):
    """The solution's backward, unpacked as (dx, dw, db) with their shapes checked."""
    grads = solution.conv2d_backward(dout, x, w, stride=stride, pad=pad, dilation=dilation, groups=groups)
    if not (isinstance(grads, (tuple, list)) and len(grads) == 3):
        raise AssertionError(f"conv2d_backward returned {type(grads).__name__} for {case}; expected a tuple (dx, dw, db)")
    dx = assert_shape(grads[0], x.shape, f"dx for {case} (dx has the shape of x)")
    dw = assert_shape(grads[1], w.shape, f"dw for {case} (dw has the shape of w: (C_out, C_in / groups, kH, kW))")
    db = assert_shape(grads[2], (w.shape[0],), f"db for {case} (db has shape (C_out,))")
    return dx, dw, db


def run_config(solution, seed, config, which, dtype=np.float64):
    """Forward or backward of one config against the reference."""
    x, w, b, dout = make_inputs(seed, *config, dtype=dtype)
    stride, pad, dilation, groups = config[-4:]
    case = describe(*config, seed) + ("" if dtype == np.float64 else f", {np.dtype(dtype)}")
    if which == "forward":
        out = forward(solution, x, w, b, stride, pad, dilation, groups)
        close(out, ref.conv2d_forward(x, w, b, stride, pad, dilation, groups), f"the output for {case}", dtype)
    else:
        grads = backward(solution, dout, x, w, stride, pad, dilation, groups, case)
        for name, g, e in zip(("dx", "dw", "db"), grads, ref.conv2d_backward(dout, x, w, stride, pad, dilation, groups)):
            close(g, e, f"{name} for {case}", dtype)


def run_configs(solution, seed, configs, start, which, dtype=np.float64):
    for case_seed, config in enumerate(configs, start=start):
        run_config(solution, seed(case_seed), config, which, dtype)


# -- forward: values --------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_dilated_forward_hand_computed(solution):
    # x[p, q] = 5p + q and w = [[1, 2], [3, 4]] at dilation 2: the taps of window (p, q) read
    # x[p, q], x[p, q+2], x[p+2, q], x[p+2, q+2], so out[p, q] = 10 (5p + q) + 2*2 + 3*10 + 4*12 = 10 (5p + q) + 82,
    # on a 3x3 output (the dilated kernel covers 3x3). Undilated taps would give 10 (5p + q) + 41.
    x = np.arange(25, dtype=np.float64).reshape(1, 1, 5, 5)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    expected = 10.0 * (5 * np.arange(3)[:, None] + np.arange(3)[None, :]) + 82.0
    close(forward(solution, x, w, None, 1, 0, 2, 1), expected[None, None],
          "x = arange(25) as (1, 1, 5, 5), w = [[1, 2], [3, 4]], dilation 2, no pad, no bias: "
          "out[p, q] = sum_ij x[p + 2i, q + 2j] w[i, j]")


@pytest.mark.category("correctness")
def test_grouped_forward_hand_computed(solution):
    # Channel 0 of x is all 1, channel 1 all 10; w (4, 1, 1, 1) = 1, 2, 3, 4 and groups=2: filters 0, 1
    # read channel 0 and filters 2, 3 read channel 1, so the outputs are 1, 2, 30, 40 everywhere.
    x = np.concatenate([np.ones((1, 1, 3, 2)), np.full((1, 1, 3, 2), 10.0)], axis=1)      # (1, 2, 3, 2)
    w = np.arange(1.0, 5.0).reshape(4, 1, 1, 1)
    expected = np.broadcast_to(np.array([1.0, 2.0, 30.0, 40.0])[None, :, None, None], (1, 4, 3, 2))
    close(forward(solution, x, w, None, 1, 0, 1, 2), expected,
          "x (1, 2, 3, 2) with channel 0 all 1 and channel 1 all 10, w (4, 1, 1, 1) = [1, 2, 3, 4], groups=2: "
          "filters 0 and 1 see channel 0, filters 2 and 3 see channel 1 (consecutive filters form a group)")


@pytest.mark.category("correctness")
def test_forward_with_dilation(solution, seed):
    run_configs(solution, seed, DILATIONS, 10, "forward")


@pytest.mark.category("correctness")
def test_forward_with_groups(solution, seed):
    run_configs(solution, seed, GROUPS, 20, "forward")


@pytest.mark.category("correctness")
def test_forward_with_dilation_and_groups(solution, seed):
    run_configs(solution, seed, BOTH, 30, "forward")


# -- backward: values -------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_backward_with_dilation(solution, seed):
    run_configs(solution, seed, DILATIONS, 40, "backward")


@pytest.mark.category("correctness")
def test_backward_with_groups(solution, seed):
    run_configs(solution, seed, GROUPS, 50, "backward")


@pytest.mark.category("correctness")
def test_backward_with_dilation_and_groups(solution, seed):
    run_configs(solution, seed, BOTH, 60, "backward")


@pytest.mark.category("correctness")
def test_float32_values(solution, seed):
    run_configs(solution, seed, [DILATIONS[1], GROUPS[1], BOTH[0]], 70, "forward", dtype=np.float32)
    run_configs(solution, seed, [DILATIONS[1], GROUPS[1], BOTH[0]], 80, "backward", dtype=np.float32)


# -- depthwise ------------------------------------------------------------------------------------

@pytest.mark.category("edge-case")
def test_depthwise(solution, seed):
    run_configs(solution, seed, DEPTHWISE, 90, "forward")
    run_configs(solution, seed, DEPTHWISE, 95, "backward")


# -- shapes -----------------------------------------------------------------------------------------

# (H, W, kH, kW, stride, pad, dilation) -> (H_out, W_out) = floor((H + 2 pad - dilation (kH - 1) - 1) / stride) + 1
OUTPUT_SIZES = {
    (9, 9, 3, 3, 1, 0, 2): (5, 5),
    (9, 9, 3, 3, 1, 2, 2): (9, 9),         # pad = dilation: "same" size for a 3x3 kernel
    (10, 11, 3, 2, 2, 1, 2): (4, 6),
    (7, 7, 3, 3, 1, 0, 3): (1, 1),         # the dilated kernel covers the whole input
    (8, 9, 2, 3, 3, 1, 3): (3, 2),
    (5, 6, 1, 1, 1, 0, 4): (5, 6),         # a 1x1 kernel has nothing to dilate
    (12, 7, 4, 2, 2, 0, 3): (2, 2),
}


@pytest.mark.category("shapes")
def test_output_shape(solution, seed):
    rng = np.random.default_rng(seed(2))
    for (H, W, kH, kW, stride, pad, dilation), (H_out, W_out) in OUTPUT_SIZES.items():
        x, w = rng.standard_normal((2, 4, H, W)), rng.standard_normal((6, 2, kH, kW))
        out = forward(solution, x, w, None, stride, pad, dilation, 2)
        assert_shape(out, (2, 6, H_out, W_out),
                     f"x (2, 4, {H}, {W}), w (6, 2, {kH}, {kW}), stride={stride}, pad={pad}, dilation={dilation}, groups=2 "
                     f"(H_out = floor((H + 2 pad - dilation (kH - 1) - 1) / stride) + 1 = {H_out}, W_out = {W_out})")


@pytest.mark.category("shapes")
def test_gradient_shapes(solution, seed):
    rng = np.random.default_rng(seed(3))
    for H, W, kH, kW, stride, pad, dilation in OUTPUT_SIZES:
        x, w = rng.standard_normal((2, 4, H, W)), rng.standard_normal((6, 2, kH, kW))
        H_out, W_out = OUTPUT_SIZES[H, W, kH, kW, stride, pad, dilation]
        backward(solution, rng.standard_normal((2, 6, H_out, W_out)), x, w, stride, pad, dilation, 2,
                 f"x (2, 4, {H}, {W}), w (6, 2, {kH}, {kW}), stride={stride}, pad={pad}, dilation={dilation}, groups=2")


# -- edge cases -------------------------------------------------------------------------------------

@pytest.mark.category("edge-case")
def test_inputs_between_dilated_taps_get_zero_gradient(solution, seed):
    # 2x2 kernel, dilation 2, stride 2, no pad on 8x9: window p reads rows 2p and 2p + 2 (p = 0..2) and
    # cols 2q and 2q + 2 (q = 0..3), so the odd rows and cols are never read: their gradient is 0.
    config = (2, 2, 3, 8, 9, 2, 2, 2, 0, 2, 1)
    case_seed = seed(4)
    x, w, _, dout = make_inputs(case_seed, *config)
    case = describe(*config, case_seed)
    dx, _, _ = backward(solution, dout, x, w, 2, 0, 2, 1, case)
    expected = ref.conv2d_backward(dout, x, w, 2, 0, 2, 1)[0]
    limit = F64_ATOL * float(np.abs(expected).max())
    for where, text in ((np.s_[:, :, 1::2, :], "dx[:, :, 1::2, :]"), (np.s_[:, :, :, 1::2], "dx[:, :, :, 1::2]")):
        values = np.asarray(dx, dtype=np.float64)[where]
        if (np.abs(values) > limit).any():
            raise AssertionError(f"dx has {int((np.abs(values) > limit).sum())} nonzero entries on input rows/cols that "
                                 f"fall between the dilated taps ({text}) for {case}; expected 0 there")
    close(dx, expected, f"dx for {case}")


@pytest.mark.category("edge-case")
def test_dilated_kernel_as_large_as_the_padded_input(solution, seed):
    # 3x3 kernel at dilation 3 covers 7 rows = 5 + 2 pad: a single output row.
    config = (2, 2, 4, 5, 8, 3, 3, 1, 1, 3, 2)
    run_config(solution, seed(5), config, "forward")
    run_config(solution, seed(5), config, "backward")


# -- errors -----------------------------------------------------------------------------------------

@pytest.mark.category("errors")
def test_groups_must_divide_the_channels(solution, seed):
    rng = np.random.default_rng(seed(6))
    # (C_in, C_out, groups, w's C_in / groups as a floor): C_out not a multiple, then C_in not a multiple.
    for C_in, C_out, groups, C_group in ((4, 6, 4, 1), (6, 4, 4, 1), (3, 4, 2, 1)):
        x, w = rng.standard_normal((2, C_in, 5, 5)), rng.standard_normal((C_out, C_group, 3, 3))
        dout = rng.standard_normal((2, C_out, 3, 3))
        case = f"x (2, {C_in}, 5, 5), w ({C_out}, {C_group}, 3, 3), groups={groups}"
        calls = (("conv2d_forward", lambda: solution.conv2d_forward(x, w, None, stride=1, pad=0, dilation=1, groups=groups)),
                 ("conv2d_backward", lambda: solution.conv2d_backward(dout, x, w, stride=1, pad=0, dilation=1, groups=groups)))
        for name, call in calls:
            try:
                result = call()
            except ValueError:
                continue
            raise AssertionError(f"{name} returned {summary(result)} for {case}; expected ValueError "
                                 f"(groups must divide both C_in={C_in} and C_out={C_out})")


# -- dtypes -----------------------------------------------------------------------------------------

def assert_dtype_then_values(actual, expected, dtype, case):
    """Only the dtype fails this; if it is wrong, the message says whether the values are right."""
    try:
        assert_dtype(actual, dtype, case)
    except AssertionError as e:
        verdict = ("the values are right: only the dtype is wrong" if values_match(actual, expected, np.float32)
                   else "the values are wrong too: see the correctness and shapes tests")
        raise AssertionError(f"{e}; {verdict}") from None


@pytest.mark.category("dtype")
def test_outputs_keep_the_float_dtype(solution, seed):
    config, case_seed = BOTH[0], seed(7)
    stride, pad, dilation, groups = config[-4:]
    for dtype in (np.float32, np.float64):
        x, w, b, dout = make_inputs(case_seed, *config, dtype=dtype)
        case = describe(*config, case_seed) + f", all {np.dtype(dtype)}"
        assert_dtype_then_values(forward(solution, x, w, b, stride, pad, dilation, groups),
                                 ref.conv2d_forward(x, w, b, stride, pad, dilation, groups), dtype, f"the output for {case}")
        assert_dtype_then_values(forward(solution, x, w, None, stride, pad, dilation, groups),
                                 ref.conv2d_forward(x, w, None, stride, pad, dilation, groups), dtype,
                                 f"the output for {case}, b=None")
        grads = solution.conv2d_backward(dout, x, w, stride=stride, pad=pad, dilation=dilation, groups=groups)
        if not (isinstance(grads, (tuple, list)) and len(grads) == 3):
            raise AssertionError(f"conv2d_backward returned {type(grads).__name__} for {case}; expected a tuple (dx, dw, db)")
        for name, g, e in zip(("dx", "dw", "db"), grads, ref.conv2d_backward(dout, x, w, stride, pad, dilation, groups)):
            assert_dtype_then_values(g, e, dtype, f"{name} for {case}")


# -- inputs left alone ------------------------------------------------------------------------------

@pytest.mark.category("side-effects")
def test_inputs_are_not_modified(solution, seed):
    for case_seed, config in ((8, BOTH[0]), (9, (2, 4, 4, 6, 7, 2, 3, 1, 0, 2, 4))):    # pad 0: no padded copy
        x, w, b, dout = make_inputs(seed(case_seed), *config)
        stride, pad, dilation, groups = config[-4:]
        kwargs = dict(stride=stride, pad=pad, dilation=dilation, groups=groups)
        case = describe(*config, seed(case_seed))
        for name, fn, inputs in (("conv2d_forward", solution.conv2d_forward, {"x": x, "w": w, "b": b}),
                                 ("conv2d_backward", solution.conv2d_backward, {"dout": dout, "x": x, "w": w})):
            saved = {key: value.copy() for key, value in inputs.items()}
            _, args, _ = fn.with_inputs(*inputs.values(), **kwargs)
            for key, after in zip(inputs, args):
                assert_unchanged(after, saved[key], key, f"{name}, {case}")
