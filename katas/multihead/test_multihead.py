"""Hidden tests of the `multihead` kata: multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, mask).

The same tests grade the NumPy and the PyTorch attempt (the worker hands a PyTorch attempt tensors).
Expected values come from the float64 reference (graders/keys/multihead/reference.py, itself checked
against torch's multi_head_attention_forward and scaled_dot_product_attention) or are derived by
hand. Every shape is chosen so that a wrong head split, scale or projection shows: d_model = 12 with
H = 3 (d_head = 4), T = 5 or 6, B = 2 or 3. Mask convention: True = may NOT attend.

Tolerances, measured over 300 random cases per setting (B <= 3, T <= 7,
d_model in {4, 6, 12, 16} with every divisor as num_heads; no mask, causal, (B, 1, 1, T) padding
and random (B, H, T, T) masks) against the float64 reference, for the reference, the five
alternatives (reshape/transpose in the input dtype, Python loops, einsum with a fused QKV
projection, a per-head loop summing W_o's row blocks, float32 with a guarded denominator) and a
blind solution:
  F64, float64 in -> rtol 1e-9, atol 1e-12: only summation order differs between correct styles;
       worst seen 6.6e-15 absolute on outputs of magnitude up to ~10.
  LARGE, scores ~1e3 (x scaled by 30) -> rtol 1e-9, atol 1e-10: scores round at ulp(1e3) = 1.1e-13,
       an error every weight inherits, on outputs of magnitude ~100 that W_o can cancel to ~1e-3;
       worst seen 2.4e-11 absolute (the scale folded into Q before the dot product), 0.016 of the bound.
  F32, float32 in -> rtol 1e-5, atol 2e-5: float32 arithmetic inside (eps 6e-8, a few roundings per
       dot product through two projections) was measured at <= 3.0e-6 absolute, 0.095 of the bound.
The PyTorch key (reference, fused-QKV einsum and (B*H)-batched bmm in the input dtype, a float64 loop
over heads) measured the same way: F64 <= 0.0006, LARGE <= 0.046, F32 <= 0.15 of the bound.
Every bug targeted here is off by more than 0.1 somewhere in the test that catches it, except float32
arithmetic on float64 inputs (~1e-7 relative) and a scale rounded to float32 (torch.sqrt of an int
tensor, ~3e-8 relative: 14x past F64 in the hand-computed case, >= 49x over 500 seeds for d_head = 12).
A query row whose keys are all masked (in every head) must be zeros to atol 1e-12: any correct style
gives exact zeros there (0 @ W_o).
"""

import math

import numpy as np
import pytest

from graders.check import assert_close, assert_dtype, assert_shape, assert_unchanged, classic_cause
from graders.keys.multihead import reference as ref
from graders.session import SolutionRaised

F64 = dict(rtol=1e-9, atol=1e-12)
LARGE = dict(rtol=1e-9, atol=1e-10)
F32 = dict(rtol=1e-5, atol=2e-5)

DEAD_ROWS = ("a query whose keys are all masked: exp(-inf - (-inf)) is NaN (invalid value); "
             "give such a row zero weights (zeros from that head) instead")
OVERFLOW = "exp of scores ~1e3 overflows (and inf / inf is NaN): subtract each row's max score before exp"


def refuse_nan(out, case, hint):
    """PyTorch does not warn: a NaN comes back as a value. If `out` holds one, fail with `hint`, the
    cause NumPy's RuntimeWarning is reported with in the same test."""
    if isinstance(out, np.ndarray) and out.dtype.kind == "f" and np.isnan(out).any():
        raise AssertionError(f"NaN at {np.argwhere(np.isnan(out))[0].tolist()} for {case}: {hint}")
    return out


def make_inputs(seed, B=2, T=5, d_model=12, dtype=np.float64, x_scale=1.0):
    """x (B, T, d_model) and W_q, W_k, W_v, W_o (d_model, d_model); per-head scores come out O(1)."""
    rng = np.random.default_rng(seed)
    x = (x_scale * rng.standard_normal((B, T, d_model))).astype(dtype)
    ws = tuple((1.5 * rng.standard_normal((d_model, d_model)) / math.sqrt(d_model)).astype(dtype)
               for _ in range(4))
    return x, *ws


def causal_mask(T):
    """(T, T) bool, True strictly above the diagonal: query i may not see keys j > i."""
    return np.triu(np.ones((T, T), dtype=bool), k=1)


def call(solution, x, weights, num_heads, mask=None):
    """Call the solution, passing mask only when given (the default must mean no mask)."""
    kwargs = {} if mask is None else {"mask": mask}
    return solution.multi_head_attention(x, *weights, num_heads, **kwargs)


def check(solution, case, x, weights, num_heads, mask=None, tol=F64, nan_hint=None):
    """The solution's output has shape (B, T, d_model) and matches the float64 reference (a NaN in it
    is reported with `nan_hint`, when given)."""
    out = call(solution, x, weights, num_heads, mask)
    if nan_hint:
        refuse_nan(out, case, nan_hint)
    expected = ref.multi_head_attention(x, *weights, num_heads, mask=mask)
    assert_shape(out, expected.shape, case + " (the output is (B, T, d_model))")
    return assert_close(out, expected, case, **tol)


def assert_zero_rows(out, dead, case):
    """out (B, T, d_model) must be 0 (to 1e-12) on the query rows where dead (B, T) is True."""
    assert_close(np.where(dead[:, :, None], out, 0.0), np.zeros(out.shape), case, rtol=0, atol=1e-12)


def values_also_wrong(out, expected, tol, see="the correctness and masking tests"):
    """'' if out matches expected, else a note for a dtype / side-effects message."""
    try:
        assert_close(out, expected, "", **tol)
    except AssertionError:
        return f" (the values are wrong too: see {see})"
    return ""


# -- correctness ----------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_no_mask_matches_reference(solution, seed):
    # d_model = 12 split 2, 3, 4 and 6 ways: a reshape without the transpose, heads taken from
    # strided columns, the 1/sqrt(d_model) scale or W_o transposed all show for every H > 1.
    for case_seed, num_heads in ((1, 3), (2, 2), (3, 4), (4, 6)):
        x, *ws = make_inputs(seed(case_seed))
        check(solution, f"B=2, T=5, d_model=12, num_heads={num_heads}, no mask, seed {seed(case_seed)}", x, ws,
              num_heads)


@pytest.mark.category("correctness")
def test_hand_computed_two_heads(solution):
    # d_model = 4, H = 2, d_head = 2. W_q = W_k keep columns 0:2 only, so head 0 scores are
    # x[:, :2] . x[:, :2] / sqrt(2) = [[ln 3, 0], [0, ln 3]] (weights 3/4 and 1/4), and head 1 scores
    # are all 0 (uniform weights). W_v = I, so head 0 averages x[:, 0:2] and head 1 x[:, 2:4].
    # W_o puts head 1 in columns 0:2 and twice head 0 in columns 2:4.
    a = math.sqrt(math.sqrt(2) * math.log(3))
    x = np.array([[[a, 0.0, 1.0, 0.0], [0.0, a, 0.0, 3.0]]])                      # (1, 2, 4)
    w_qk = np.diag([1.0, 1.0, 0.0, 0.0])
    W_o = np.array([[0.0, 0, 2, 0], [0, 0, 0, 2], [1, 0, 0, 0], [0, 1, 0, 0]])
    weights = (w_qk, w_qk, np.eye(4), W_o)
    out = call(solution, x, weights, 2)
    expected = [[[0.5, 1.5, 1.5 * a, 0.5 * a], [0.5, 1.5, 0.5 * a, 1.5 * a]]]
    assert_close(out, expected, "two tokens, two heads: head 0 weights [[3/4, 1/4], [1/4, 3/4]] "
                 "(scale 1/sqrt(d_head) = 1/sqrt(2)), head 1 uniform, W_o swapping the heads", **F64)
    out = call(solution, x, weights, 2, mask=causal_mask(2))
    expected = [[[1.0, 0.0, 2 * a, 0.0], [0.5, 1.5, 0.5 * a, 1.5 * a]]]
    assert_close(out, expected, "the same two tokens with a causal mask (token 0 sees only itself)", **F64)


@pytest.mark.category("correctness")
def test_float32_values_within_float32_rounding(solution, seed):
    x, *ws = make_inputs(seed(5), B=3, T=7, d_model=16, dtype=np.float32)
    for mask, name in ((None, "no mask"), (causal_mask(7), "a causal mask")):
        out = call(solution, x, ws, 4, mask)
        assert_close(out, ref.multi_head_attention(x, *ws, 4, mask=mask),
                     f"float32 x and weights, B=3, T=7, d_model=16, num_heads=4, {name}, seed {seed(5)}", **F32)


# -- edge cases -----------------------------------------------------------------------------------

@pytest.mark.category("edge-case")
def test_one_head_is_single_head_attention_then_w_o(solution, seed):
    x, *ws = make_inputs(seed(6), T=6)
    check(solution, f"num_heads=1 (d_head = d_model = 12, scale 1/sqrt(12)), no mask, seed {seed(6)}", x, ws, 1)
    check(solution, f"num_heads=1 with a causal mask, seed {seed(6)}", x, ws, 1, mask=causal_mask(6))


@pytest.mark.category("edge-case")
def test_one_dimension_per_head(solution, seed):
    x, *ws = make_inputs(seed(7), B=2, T=5, d_model=6)
    check(solution, f"num_heads = d_model = 6 (d_head = 1, scale 1), no mask, seed {seed(7)}", x, ws, 6)
    check(solution, f"num_heads = d_model = 6 with a causal mask, seed {seed(7)}", x, ws, 6, mask=causal_mask(5))


@pytest.mark.category("edge-case")
def test_fully_padded_example_outputs_zeros(solution, seed):
    B, T = 3, 4
    x, *ws = make_inputs(seed(8), B=B, T=T)
    valid = np.array([4, 0, 2])                                                  # example 1: all padding
    mask = (np.arange(T)[None, :] >= valid[:, None])[:, None, None, :]           # (B, 1, 1, T)
    case = f"a (B, 1, 1, T) padding mask where example 1 is all padding, seed {seed(8)}"
    with classic_cause(DEAD_ROWS):
        out = refuse_nan(call(solution, x, ws, 3, mask), case, DEAD_ROWS)
    out = assert_shape(out, (B, T, 12), case)
    assert_zero_rows(out, np.repeat(valid[:, None] == 0, T, axis=1), case + ": every row of example 1 must be zeros")
    assert_close(out, ref.multi_head_attention(x, *ws, 3, mask=mask), case, **F64)


# -- numerical stability --------------------------------------------------------------------------

@pytest.mark.category("numerical-stability")
def test_large_scores_do_not_overflow(solution, seed):
    # x scaled by 30: scores reach a few thousand, exp(score) overflows unless the row max is
    # subtracted; the weights are nearly one-hot.
    x, *ws = make_inputs(seed(9), B=2, T=6, x_scale=30.0)
    with classic_cause(OVERFLOW):
        check(solution, f"scores of magnitude ~1e3 (x scaled by 30), num_heads=3, causal mask, seed {seed(9)}",
              x, ws, 3, mask=causal_mask(6), tol=LARGE, nan_hint=OVERFLOW)


# -- masks ----------------------------------------------------------------------------------------

@pytest.mark.category("masking")
def test_causal_mask_T_by_T(solution, seed):
    x, *ws = make_inputs(seed(10), B=3, T=6)
    check(solution, f"a (T, T) causal mask broadcast over B=3 and H=3, seed {seed(10)}", x, ws, 3, mask=causal_mask(6))


@pytest.mark.category("masking")
def test_padding_mask_differs_per_example(solution, seed):
    B, T = 3, 6
    x, *ws = make_inputs(seed(11), B=B, T=T)
    valid = np.array([6, 4, 2])                                                  # real tokens per example
    mask = (np.arange(T)[None, :] >= valid[:, None])[:, None, None, :]           # (B, 1, 1, T): padded KEYS
    check(solution, f"a (B, 1, 1, T) right-padding mask with 0, 2 and 4 padded keys, num_heads=3, seed {seed(11)}",
          x, ws, 3, mask=mask)


@pytest.mark.category("masking")
def test_per_head_mask_differs_per_example(solution, seed):
    B, H, T = 2, 3, 5
    x, *ws = make_inputs(seed(12), B=B, T=T)
    rng = np.random.default_rng(seed(120))
    mask = rng.random((B, H, T, T)) < 0.5                                        # (B, H, T, T)
    keep = rng.integers(0, T, (B, H, T))                                         # >= 1 key per row
    mask[np.arange(B)[:, None, None], np.arange(H)[None, :, None], np.arange(T), keep] = False
    check(solution, f"a random (B, H, T, T) mask, different per example and per head, seed {seed(12)} "
                    f"(mask seed {seed(120)})",
          x, ws, H, mask=mask)


@pytest.mark.category("masking")
def test_per_head_mask_shared_by_the_batch(solution, seed):
    T = 6
    x, *ws = make_inputs(seed(13), B=3, T=T)
    offset = np.subtract.outer(np.arange(T), np.arange(T))                      # i - j
    mask = np.stack([offset < 0,                                                 # head 0: causal
                     offset > 0,                                                 # head 1: the future only
                     np.abs(offset) > 1])[None]                                  # head 2: a window of 3
    check(solution, f"a (1, H, T, T) mask: head 0 causal, head 1 future only, head 2 a +-1 window, seed {seed(13)}",
          x, ws, 3, mask=mask)


@pytest.mark.category("masking")
def test_fully_masked_query_rows_output_zeros(solution, seed):
    # Left padding (0, 2 and 5 pad tokens) combined with a causal mask: query i < pads of its
    # example has no key it may attend to in any head, and must output zeros (0 @ W_o), not NaN
    # and not the mean of V.
    B, T = 3, 6
    x, *ws = make_inputs(seed(14), B=B, T=T)
    pads = np.array([0, 2, 5])
    padded = np.arange(T)[None, :] < pads[:, None]                               # (B, T) True = pad token
    mask = (causal_mask(T)[None] | padded[:, None, :])[:, None]                  # (B, 1, T, T)
    case = f"a (B, 1, T, T) left padding + causal mask, seed {seed(14)}"
    with classic_cause(DEAD_ROWS):
        out = refuse_nan(call(solution, x, ws, 3, mask), case, DEAD_ROWS)
    out = assert_shape(out, (B, T, 12), case)
    assert_zero_rows(out, mask[:, 0].all(axis=-1), case + ": the query rows whose keys are all masked must be zeros")
    assert_close(out, ref.multi_head_attention(x, *ws, 3, mask=mask), case, **F64)


@pytest.mark.category("masking")
def test_query_masked_in_one_head_only(solution, seed):
    # A causal mask, plus: example 0, head 1 sees nothing from query 3; example 1, head 2 sees
    # nothing from queries 0 and 1, and head 0 nothing from query 4. Those heads contribute zeros
    # to the concatenation; the other heads still count, so these output rows are NOT zero.
    B, H, T = 2, 3, 5
    x, *ws = make_inputs(seed(15), B=B, T=T)
    mask = np.broadcast_to(causal_mask(T), (B, H, T, T)).copy()                  # (B, H, T, T)
    mask[0, 1, 3, :] = True
    mask[1, 2, :2, :] = True
    mask[1, 0, 4, :] = True
    with classic_cause(DEAD_ROWS):
        check(solution, "a (B, H, T, T) causal mask where one head of a query has no key left "
              f"(that head gives zeros before W_o, the others still count), seed {seed(15)}", x, ws, H, mask=mask,
              nan_hint=DEAD_ROWS)


# -- dtypes and inputs ----------------------------------------------------------------------------

@pytest.mark.category("dtype")
def test_float32_in_float32_out(solution, seed):
    x, *ws = make_inputs(seed(16), B=3, T=7, d_model=16, dtype=np.float32)
    mask = causal_mask(7)
    out = call(solution, x, ws, 4, mask)
    case = f"float32 x and weights, num_heads=4, a causal mask, seed {seed(16)}"
    try:
        assert_dtype(out, np.float32, case)
    except AssertionError as e:
        hint = (" (in NumPy 2 a float64 scalar such as np.sqrt(d_head) promotes a float32 array, math.sqrt "
                "gives a Python float that does not; in PyTorch, a .double() never cast back)"
                ) if getattr(out, "dtype", None) == np.float64 else ""
        raise AssertionError(str(e) + hint + values_also_wrong(
            out, ref.multi_head_attention(x, *ws, 4, mask=mask), F32)) from None


@pytest.mark.category("dtype")
def test_mixed_float_dtypes_give_result_type(solution, seed):
    x, *ws = make_inputs(seed(17))
    f32 = [w.astype(np.float32) for w in ws]
    cases = (("float32 x with float64 weights", x.astype(np.float32), ws),
             ("float64 x with float32 weights", x, f32),
             ("float32 x, W_q, W_k, W_v with a float64 W_o", x.astype(np.float32), (*f32[:3], ws[3])))
    for case, x_in, w_in in cases:
        out = call(solution, x_in, w_in, 3)
        try:
            assert_dtype(out, np.float64, case + f" (np.result_type is float64), seed {seed(17)}")
        except AssertionError as e:
            raise AssertionError(str(e) + values_also_wrong(
                out, ref.multi_head_attention(x_in, *w_in, 3), F32)) from None


@pytest.mark.category("side-effects")
def test_inputs_not_modified(solution, seed):
    B, H, T = 2, 3, 4
    x, *ws = make_inputs(seed(18), B=B, T=T)
    causal = np.broadcast_to(causal_mask(T), (B, H, T, T)).copy()               # (B, H, T, T), writable
    dead_row = causal.copy()
    dead_row[1, 2, 1, :] = True                                                  # one head with a dead row
    names = ("x", "W_q", "W_k", "W_v", "W_o", "mask")
    for case, mask in ((f"a (B, H, T, T) causal mask, seed {seed(18)}", causal),
                       (f"a (B, H, T, T) causal mask with a fully masked row in one head, seed {seed(18)}", dead_row)):
        saved = [a.copy() for a in (x, *ws, mask)]
        try:
            out, args, kwargs = solution.multi_head_attention.with_inputs(x, *ws, H, mask=mask)
        except SolutionRaised:
            if mask is dead_row:
                continue  # a solution that cannot handle a dead row fails the masking tests, not this one
            raise
        try:
            for name, after, before in zip(names, (*args[:5], kwargs["mask"]), saved):
                assert_unchanged(after, before, name, case)
        except AssertionError as e:
            raise AssertionError(str(e) + values_also_wrong(
                out, ref.multi_head_attention(*saved[:5], H, mask=saved[5]), F64)) from None


@pytest.mark.category("errors")
def test_num_heads_must_divide_d_model(solution, seed):
    for d_model, num_heads in ((12, 5), (6, 4), (4, 8)):
        x, *ws = make_inputs(seed(19), d_model=d_model)
        with pytest.raises(ValueError):
            call(solution, x, ws, num_heads)
            raise AssertionError(f"no ValueError for d_model={d_model}, num_heads={num_heads} "
                                 f"(d_model % num_heads = {d_model % num_heads}), seed {seed(19)}")
