"""Hidden tests of the `conv2d` kata: conv2d_forward(x, w, b, stride, pad) and
conv2d_backward(dout, x, w, stride, pad) -> (dx, dw, db).

Expected values come from the float64 reference (graders/keys/conv2d/reference.py, itself checked
against torch.nn.functional.conv2d and autograd) or are derived by hand. Inputs are standard
normal; every output and gradient is a sum of products, so its rounding error scales with the
largest value of the array, not with each entry (an entry near zero is a cancellation). Hence an
absolute tolerance relative to the array's largest magnitude, plus a relative one:
  float64 in -> rtol 1e-9, atol 1e-11 * max|expected|: correct styles (tensordot, einsum, matmul,
                np.add.at, loops over positions, kernel offsets or everything) differ only in
                summation order: the worst measured was 2.0e-15 of max|expected| over 400 random
                cases (B <= 4, C_in <= 5, C_out <= 6, H, W <= 13, kernels 1..5, stride 1..3,
                pad 0..2) and nine correct styles (the reference, the four alternatives, the four
                learner-style bases of the mutants; the six-loop one over 40 of the cases). Every
                bug targeted is off by > 1e-2 of it.
  float32 in -> rtol 1e-5, atol 2e-5 * max|expected|: styles computing in float32 round every
                product and partial sum (eps 6e-8); db and dw sum B * H_out * W_out terms (up to
                ~1200 in those cases, ~100 here). Measured worst, same cases and styles: 1.4e-6 of
                max|expected| (db, a float32 sum), 9e-7 for dw, 3.5e-7 for out and dx; 14x below atol.
The PyTorch key (its reference and four alternatives, two of them computing in float32), over 600
such cases against F.conv2d and autograd in float64: worst 1.5e-15 of max|expected| for float64 in,
1.6e-6 for float32 in (db; 12x below atol).
The speed test times forward + backward of a batch of 16 RGB 32x32 images with 32 3x3 filters
(stride 1, pad 1, float32) in CPU seconds of the solution's sandbox, read by the judge from outside
(`solution.cpu_clock()`: time spent waiting for a core does not count, so the load of the shared
machine barely changes it; wall time went from 0.1 s to 2.3 s at load 15), one BLAS / torch thread,
against a budget of 2 s. Measured on a 2-core machine at load average ~15, forward + backward:
vectorised styles (im2col, stride tricks, loops over kernel offsets or output positions) 0.03-0.15 s
of CPU in NumPy (the nine correct styles above) and 0.04-0.08 s in PyTorch (the torch reference and
its four alternatives); four nested loops (batch, out channel, positions) 2.3 s of CPU for the NumPy
forward alone, 9.7 s in PyTorch (the backward ~2.5x that); six nested loops: the forward alone 5 s.
Those run past the kata's per-test timeout (timeout_s, wall time) before the budget is checked.
"""

import numpy as np
import pytest

from graders.check import assert_close, assert_dtype, assert_shape, assert_unchanged
from graders.keys.conv2d import reference as ref

F64_RTOL, F64_ATOL = 1e-9, 1e-11      # atol is relative to max|expected| of the array compared
F32_RTOL, F32_ATOL = 1e-5, 2e-5
BUDGET_S = 2.0                        # forward + backward of the RGB batch, see the docstring


# -- inputs ---------------------------------------------------------------------------------------

def out_size(size, kernel, stride, pad):
    return (size + 2 * pad - kernel) // stride + 1


def make_inputs(seed, B, C_in, C_out, H, W, kH, kW, stride=1, pad=0, dtype=np.float64):
    """x (B, C_in, H, W), w (C_out, C_in, kH, kW), b (C_out,), dout (B, C_out, H_out, W_out)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, C_in, H, W)).astype(dtype)
    w = rng.standard_normal((C_out, C_in, kH, kW)).astype(dtype)
    b = rng.standard_normal(C_out).astype(dtype)
    dout = rng.standard_normal((B, C_out, out_size(H, kH, stride, pad), out_size(W, kW, stride, pad))).astype(dtype)
    return x, w, b, dout


def describe(B, C_in, C_out, H, W, kH, kW, stride, pad, seed):
    return f"x ({B}, {C_in}, {H}, {W}), w ({C_out}, {C_in}, {kH}, {kW}), stride={stride}, pad={pad}, seed {seed}"


# (B, C_in, C_out, H, W, kH, kW, stride, pad): H != W, kH != kW and C_out != W_out in most of them,
# so swapped axes and a bias broadcast on the wrong axis show up.
STRIDES_AND_PADDINGS = [
    (2, 3, 4, 6, 6, 3, 3, 1, 1),       # "same" padding
    (2, 3, 4, 7, 9, 3, 2, 2, 1),       # non-square input and kernel, stride 2
    (3, 2, 5, 9, 11, 5, 3, 2, 2),      # 5x3 kernel, pad 2
    (2, 2, 3, 10, 8, 3, 3, 3, 1),      # stride 3 with padding
    (1, 2, 3, 4, 5, 3, 3, 1, 2),       # pad 2 > kernel half-width: corner outputs see mostly zeros
    (2, 4, 3, 6, 9, 2, 4, 1, 0),       # 2x4 kernel, no padding
]


# -- checks ---------------------------------------------------------------------------------------

def close(actual, expected, case, dtype=np.float64):
    """assert_close with the tolerance of the dtype: rtol plus atol relative to max|expected|."""
    expected = np.asarray(expected, dtype=np.float64)
    rtol, atol = (F32_RTOL, F32_ATOL) if dtype == np.float32 else (F64_RTOL, F64_ATOL)
    scale = float(np.abs(expected).max()) if expected.size else 0.0
    return assert_close(actual, expected, case, rtol=rtol, atol=atol * max(scale, 1e-300))


def values_match(actual, expected, dtype=np.float64):
    """True if `actual` would pass `close` (for messages of dtype and side-effect tests)."""
    try:
        close(actual, expected, "", dtype)
    except AssertionError:
        return False
    return True


def forward(solution, x, w, b, stride, pad):
    """The solution's forward, b passed positionally (None included), stride and pad by name."""
    return solution.conv2d_forward(x, w, b, stride=stride, pad=pad)


def backward(solution, dout, x, w, stride, pad, case):
    """The solution's backward, unpacked as (dx, dw, db) with their shapes checked."""
    grads = solution.conv2d_backward(dout, x, w, stride=stride, pad=pad)
    if not (isinstance(grads, (tuple, list)) and len(grads) == 3):
        raise AssertionError(f"conv2d_backward returned {type(grads).__name__} for {case}; expected a tuple (dx, dw, db)")
    dx = assert_shape(grads[0], x.shape, f"dx for {case} (dx has the shape of x)")
    dw = assert_shape(grads[1], w.shape, f"dw for {case} (dw has the shape of w: (C_out, C_in, kH, kW))")
    db = assert_shape(grads[2], (w.shape[0],), f"db for {case} (db has shape (C_out,))")
    return dx, dw, db


def check_forward(solution, case, x, w, b, stride, pad, dtype=np.float64):
    out = forward(solution, x, w, b, stride, pad)
    expected = ref.conv2d_forward(x, w, b, stride=stride, pad=pad)
    assert_shape(out, expected.shape, f"the output for {case} (H_out = floor((H + 2 pad - kH) / stride) + 1)")
    return close(out, expected, f"the output for {case}", dtype)


def check_backward(solution, case, dout, x, w, stride, pad, dtype=np.float64):
    got = backward(solution, dout, x, w, stride, pad, case)
    expected = ref.conv2d_backward(dout, x, w, stride=stride, pad=pad)
    for name, g, e in zip(("dx", "dw", "db"), got, expected):
        close(g, e, f"{name} for {case}", dtype)
    return got


def run_config(solution, seed, config, check, dtype=np.float64):
    """Build the inputs of one (B, C_in, C_out, H, W, kH, kW, stride, pad) config and check its
    forward (with a bias) or its backward against the reference."""
    stride, pad = config[-2:]
    x, w, b, dout = make_inputs(seed, *config, dtype=dtype)
    case = describe(*config, seed) + ("" if dtype == np.float64 else f", {np.dtype(dtype)}")
    if check == "forward":
        return check_forward(solution, case, x, w, b, stride, pad, dtype)
    return check_backward(solution, case, dout, x, w, stride, pad, dtype)


def check_unread_get_zero_gradient(solution, seed, config, unread):
    """dx is 0 (to the float64 tolerance) on the input rows/cols no window reads, then every
    gradient matches the reference. unread: index expressions into dx (B, C_in, H, W)."""
    stride, pad = config[-2:]
    x, w, _, dout = make_inputs(seed, *config)
    case = describe(*config, seed)
    dx, dw, db = backward(solution, dout, x, w, stride, pad, case)
    limit = F64_ATOL * float(np.abs(ref.conv2d_backward(dout, x, w, stride=stride, pad=pad)[0]).max())
    for where in unread:
        values = np.asarray(dx, dtype=np.float64)[where]
        bad = np.abs(values) > limit
        if bad.any():
            index = np.argwhere(bad)[0]
            raise AssertionError(
                f"dx is {values[tuple(index)]:.6g} on an input row/col that no window reads ({where_text(where)}), "
                f"for {case}; expected 0 ({int(bad.sum())} of {values.size} such entries are nonzero)")
    for name, g, e in zip(("dx", "dw", "db"), (dx, dw, db), ref.conv2d_backward(dout, x, w, stride=stride, pad=pad)):
        close(g, e, f"{name} for {case}")


def where_text(where):
    """dx[:, :, 6:, :] style text for an index expression (slices and lists of ints)."""
    def one(part):
        if isinstance(part, slice):
            return f"{'' if part.start is None else part.start}:{'' if part.stop is None else part.stop}"
        return str(list(part))
    return "dx[" + ", ".join(one(part) for part in where) + "]"


# -- forward: values --------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_forward_is_cross_correlation_hand_computed(solution):
    # x[p, q] = 4p + q and w = [[1, 2], [3, 4]]: the window at (p, q) gives
    # 1*x[p,q] + 2*x[p,q+1] + 3*x[p+1,q] + 4*x[p+1,q+1] = 10 (4p + q) + 34. A flipped kernel
    # (true convolution) would give 10 (4p + q) + 16.
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    expected = 10.0 * (4 * np.arange(3)[:, None] + np.arange(3)[None, :]) + 34.0
    out = forward(solution, x, w, None, 1, 0)
    close(out, expected[None, None], "x = arange(16) as (1, 1, 4, 4), w = [[1, 2], [3, 4]], stride 1, no pad, no bias: "
          "out[p, q] = sum_ij x[p+i, q+j] w[i, j] (cross-correlation, the kernel is not flipped)")
    out = forward(solution, x, w, np.array([-0.5]), 2, 1)
    # pad 1, stride 2: windows at padded rows/cols 0, 2, 4; the (0, 0) window sees only x[0, 0] under w[1, 1].
    x_pad = np.pad(x[0, 0], 1)                                           # (6, 6)
    expected = np.array([[(x_pad[p:p + 2, q:q + 2] * w[0, 0]).sum() for q in (0, 2, 4)] for p in (0, 2, 4)]) - 0.5
    close(out, expected[None, None], "x = arange(16) as (1, 1, 4, 4), w = [[1, 2], [3, 4]], b = [-0.5], stride 2, pad 1")


@pytest.mark.category("correctness")
def test_forward_matches_reference(solution):
    run_config(solution, 1, (2, 3, 4, 5, 6, 3, 3, 1, 0), "forward")


@pytest.mark.category("correctness")
def test_forward_strides_and_paddings(solution, seed):
    for case_seed, config in enumerate(STRIDES_AND_PADDINGS, start=10):
        run_config(solution, seed(case_seed), config, "forward")


@pytest.mark.category("correctness")
def test_forward_without_bias(solution, seed):
    config = (2, 3, 4, 7, 9, 3, 2, 2, 1)
    x, w, _, _ = make_inputs(seed(2), *config)
    case = describe(*config, 2)
    expected = ref.conv2d_forward(x, w, None, stride=2, pad=1)
    close(solution.conv2d_forward(x, w, stride=2, pad=1), expected, f"the output for {case}, b omitted (default None)")
    close(solution.conv2d_forward(x, w, None, stride=2, pad=1), expected, f"the output for {case}, b=None")


@pytest.mark.category("correctness")
def test_forward_float32_values(solution, seed):
    for case_seed, config in enumerate([(2, 3, 4, 5, 6, 3, 3, 1, 0)] + STRIDES_AND_PADDINGS, start=20):
        run_config(solution, seed(case_seed), config, "forward", dtype=np.float32)


# -- backward: values -------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_backward_matches_reference(solution):
    run_config(solution, 3, (2, 3, 4, 5, 6, 3, 3, 1, 0), "backward")


@pytest.mark.category("correctness")
def test_backward_strides_and_paddings(solution, seed):
    for case_seed, config in enumerate(STRIDES_AND_PADDINGS, start=30):
        run_config(solution, seed(case_seed), config, "backward")


@pytest.mark.category("correctness")
def test_bias_gradient_sums_over_batch_and_positions(solution, seed):
    # dout = 1 everywhere except channel o, which holds o + 1: db[o] = (o + 1) * B * H_out * W_out.
    B, C_in, C_out, H, W = 3, 2, 4, 6, 5
    x, w, _, _ = make_inputs(seed(4), B, C_in, C_out, H, W, 3, 3, stride=1, pad=1)
    dout = np.broadcast_to(np.arange(1.0, C_out + 1)[None, :, None, None], (B, C_out, H, W)).copy()
    case = f"{describe(B, C_in, C_out, H, W, 3, 3, 1, 1, 4)}, dout[:, o] = o + 1"
    _, _, db = backward(solution, dout, x, w, 1, 1, case)
    close(db, (np.arange(C_out) + 1.0) * B * H * W,
          f"db for {case}: db[o] = sum of dout[:, o] over B={B} and {H}x{W} output positions = (o + 1) * {B * H * W}")


@pytest.mark.category("correctness")
def test_backward_float32_values(solution, seed):
    for case_seed, config in enumerate([(2, 3, 4, 5, 6, 3, 3, 1, 0)] + STRIDES_AND_PADDINGS, start=40):
        run_config(solution, seed(case_seed), config, "backward", dtype=np.float32)


# -- shapes -----------------------------------------------------------------------------------------

# (H, W, kH, kW, stride, pad) -> (H_out, W_out), worked out by hand.
OUTPUT_SIZES = {
    (5, 5, 3, 3, 1, 0): (3, 3),
    (6, 6, 3, 3, 1, 1): (6, 6),
    (7, 9, 3, 2, 2, 1): (4, 5),
    (8, 7, 3, 3, 3, 0): (2, 2),        # remainders: rows 6-7 and col 6 fit no window
    (9, 10, 3, 3, 3, 1): (3, 4),
    (4, 5, 6, 7, 1, 1): (1, 1),        # kernel as large as the padded input
    (6, 5, 1, 1, 2, 1): (4, 4),
    (10, 13, 5, 3, 2, 2): (5, 8),
    (32, 32, 3, 3, 2, 1): (16, 16),
    (1, 1, 1, 1, 1, 0): (1, 1),
}


@pytest.mark.category("shapes")
def test_output_shape(solution, seed):
    rng = np.random.default_rng(seed(5))
    for (H, W, kH, kW, stride, pad), (H_out, W_out) in OUTPUT_SIZES.items():
        x, w = rng.standard_normal((2, 3, H, W)), rng.standard_normal((4, 3, kH, kW))
        out = forward(solution, x, w, None, stride, pad)
        assert_shape(out, (2, 4, H_out, W_out), f"x (2, 3, {H}, {W}), w (4, 3, {kH}, {kW}), stride={stride}, pad={pad} "
                     f"(H_out = floor((H + 2 pad - kH) / stride) + 1 = {H_out}, W_out = {W_out})")


@pytest.mark.category("shapes")
def test_gradient_shapes(solution, seed):
    rng = np.random.default_rng(seed(6))
    for H, W, kH, kW, stride, pad in OUTPUT_SIZES:
        x, w = rng.standard_normal((2, 3, H, W)), rng.standard_normal((4, 3, kH, kW))
        dout = rng.standard_normal((2, 4, out_size(H, kH, stride, pad), out_size(W, kW, stride, pad)))
        backward(solution, dout, x, w, stride, pad,
                 f"x (2, 3, {H}, {W}), w (4, 3, {kH}, {kW}), stride={stride}, pad={pad}")


# -- edge cases -------------------------------------------------------------------------------------

@pytest.mark.category("edge-case")
def test_rows_and_cols_left_over_by_the_stride_get_zero_gradient(solution, seed):
    # H=8, W=7, 3x3, stride 3, no pad: windows start at 0 and 3 and read rows/cols 0..5 only.
    # With pad 1 on H=9: padded rows 0..8 are read, so x row 8 (padded row 9) is left over.
    for case_seed, config, unread in ((7, (2, 2, 3, 8, 7, 3, 3, 3, 0), (np.s_[:, :, 6:, :], np.s_[:, :, :, 6:])),
                                      (8, (1, 2, 3, 9, 10, 3, 3, 3, 1), (np.s_[:, :, 8:, :],))):
        run_config(solution, seed(case_seed), config, "forward")
        check_unread_get_zero_gradient(solution, seed(case_seed), config, unread)


@pytest.mark.category("edge-case")
def test_kernel_as_large_as_the_padded_input(solution, seed):
    # A single output position per image: H_out = W_out = 1.
    for case_seed, config in ((9, (2, 2, 3, 4, 5, 6, 7, 1, 1)), (10, (1, 3, 2, 5, 3, 5, 3, 2, 0))):
        run_config(solution, seed(case_seed), config, "forward")
        run_config(solution, seed(case_seed), config, "backward")


@pytest.mark.category("edge-case")
def test_one_by_one_kernel(solution, seed):
    # Stride 2, pad 1 on 6x5: the outputs on the border read only padding (they equal the bias),
    # and only x rows 1, 3, 5 and cols 1, 3 get a gradient.
    for case_seed, config in ((11, (2, 3, 5, 6, 5, 1, 1, 1, 0)), (12, (2, 3, 4, 6, 5, 1, 1, 2, 1))):
        run_config(solution, seed(case_seed), config, "forward")
        run_config(solution, seed(case_seed), config, "backward")


@pytest.mark.category("edge-case")
def test_stride_larger_than_the_kernel(solution, seed):
    # 2x2 kernel, stride 3 on 9x10: rows 2, 5, 8 and cols 2, 5, 8, 9 are skipped (zero gradient).
    config, case_seed = (2, 2, 3, 9, 10, 2, 2, 3, 0), seed(13)
    run_config(solution, case_seed, config, "forward")
    check_unread_get_zero_gradient(solution, case_seed, config,
                                   (np.s_[:, :, [2, 5, 8], :], np.s_[:, :, :, [2, 5, 8, 9]]))


@pytest.mark.category("edge-case")
def test_single_channel_single_image(solution, seed):
    for case_seed, config in ((14, (1, 1, 1, 5, 4, 2, 3, 1, 0)), (15, (1, 1, 1, 1, 1, 1, 1, 1, 0))):
        run_config(solution, seed(case_seed), config, "forward")
        run_config(solution, seed(case_seed), config, "backward")


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
def test_forward_keeps_the_float_dtype(solution, seed):
    config, case_seed = (2, 3, 4, 7, 9, 3, 2, 2, 1), seed(16)
    for dtype in (np.float32, np.float64):
        x, w, b, _ = make_inputs(case_seed, *config, dtype=dtype)
        case = describe(*config, case_seed) + f", all {np.dtype(dtype)}"
        assert_dtype_then_values(forward(solution, x, w, b, 2, 1), ref.conv2d_forward(x, w, b, stride=2, pad=1),
                                 dtype, f"the output for {case}")
        assert_dtype_then_values(forward(solution, x, w, None, 2, 1), ref.conv2d_forward(x, w, None, stride=2, pad=1),
                                 dtype, f"the output for {case}, b=None")


@pytest.mark.category("dtype")
def test_backward_keeps_the_float_dtype(solution, seed):
    config, case_seed = (2, 3, 4, 7, 9, 3, 2, 2, 1), seed(17)
    for dtype in (np.float32, np.float64):
        x, w, _, dout = make_inputs(case_seed, *config, dtype=dtype)
        case = describe(*config, case_seed) + f", all {np.dtype(dtype)}"
        grads = solution.conv2d_backward(dout, x, w, stride=2, pad=1)
        if not (isinstance(grads, (tuple, list)) and len(grads) == 3):
            raise AssertionError(f"conv2d_backward returned {type(grads).__name__} for {case}; expected a tuple (dx, dw, db)")
        for name, g, e in zip(("dx", "dw", "db"), grads, ref.conv2d_backward(dout, x, w, stride=2, pad=1)):
            assert_dtype_then_values(g, e, dtype, f"{name} for {case}")


# -- inputs left alone ------------------------------------------------------------------------------

def assert_inputs_unchanged(after, before, expected, result, case):
    """Every input as the solution left it equals its saved copy; the message says whether the
    results were right anyway."""
    for name in before:
        try:
            assert_unchanged(after[name], before[name], name, case)
        except AssertionError as e:
            right = all(values_match(r, x) for r, x in zip(result, expected))
            verdict = ("the results are right" if right else "the results are wrong too: see the correctness tests")
            raise AssertionError(f"{e} ({verdict})") from None


@pytest.mark.category("side-effects")
def test_forward_does_not_modify_inputs(solution, seed):
    for case_seed, config in ((18, (2, 3, 4, 5, 6, 3, 3, 1, 0)), (19, (2, 3, 4, 7, 9, 3, 2, 2, 1))):
        x, w, b, _ = make_inputs(seed(case_seed), *config)
        stride, pad = config[-2:]
        saved = {"x": x.copy(), "w": w.copy(), "b": b.copy()}
        out, args, _ = solution.conv2d_forward.with_inputs(x, w, b, stride=stride, pad=pad)
        assert_inputs_unchanged(dict(zip(("x", "w", "b"), args)), saved,
                                [ref.conv2d_forward(x, w, b, stride=stride, pad=pad)], [out],
                                "conv2d_forward, " + describe(*config, seed(case_seed)))


@pytest.mark.category("side-effects")
def test_backward_does_not_modify_inputs(solution, seed):
    for case_seed, config in ((20, (2, 3, 4, 5, 6, 3, 3, 1, 0)), (21, (2, 3, 4, 7, 9, 3, 2, 2, 1))):
        x, w, _, dout = make_inputs(seed(case_seed), *config)
        stride, pad = config[-2:]
        saved = {"dout": dout.copy(), "x": x.copy(), "w": w.copy()}
        grads, args, _ = solution.conv2d_backward.with_inputs(dout, x, w, stride=stride, pad=pad)
        grads = grads if isinstance(grads, (tuple, list)) and len(grads) == 3 else [grads] * 3
        assert_inputs_unchanged(dict(zip(("dout", "x", "w"), args)), saved,
                                ref.conv2d_backward(dout, x, w, stride=stride, pad=pad), grads,
                                "conv2d_backward, " + describe(*config, seed(case_seed)))


# -- speed ------------------------------------------------------------------------------------------

@pytest.mark.category("performance")
def test_batch_of_rgb_images_forward_and_backward_in_time(solution):
    config, seed = (16, 3, 32, 32, 32, 3, 3, 1, 1), 22
    x, w, b, dout = make_inputs(seed, *config, dtype=np.float32)
    case = "16 RGB 32x32 images, 32 filters 3x3, stride 1, pad 1, float32"
    hint = ("vectorise with im2col or stride tricks: a Python loop over the kernel offsets or the output "
            "positions with array ops inside is fine, nested loops over batch, channels and positions are not")
    with solution.cpu_clock() as clock:                  # every process of the sandbox, read from outside
        forward(solution, x, w, b, 1, 1)
    forward_s = clock.seconds
    if forward_s > BUDGET_S:
        raise AssertionError(f"conv2d_forward alone took {forward_s:.2f} s of CPU for {case}; forward + backward "
                             f"must take under {BUDGET_S:g} s ({hint})")
    with solution.cpu_clock() as clock:
        solution.conv2d_backward(dout, x, w, stride=1, pad=1)
    backward_s = clock.seconds
    if forward_s + backward_s > BUDGET_S:
        raise AssertionError(f"forward {forward_s:.2f} s + backward {backward_s:.2f} s of CPU for {case}; they must "
                             f"take under {BUDGET_S:g} s together ({hint})")
