"""Hidden tests of the `attention` kata: softmax(x, axis) and single-head self_attention.

Expected values come from the float64 reference (graders/keys/attention/reference.py) or are derived
by hand. Tolerances:
  float64 in -> rtol 1e-9, atol 1e-12: only summation order differs between correct styles
                (matmul, einsum, loops, exp(x - logsumexp)); every bug here is off by > 1e-3.
  float32 attention -> rtol 1e-5, atol 2e-5: outputs are weighted means of values up to ~5 in
                magnitude; float32 arithmetic inside (eps 6e-8, a few roundings per dot product)
                was measured at <= 2.4e-6 absolute over 300 random cases and four styles.
  float32 softmax of logits up to 100 -> rtol 5e-5: the logsumexp formulation rounds
                max + log(sum) at ulp(100) = 7.6e-6, an error every probability inherits.
Mask convention: True = may NOT attend.
"""

import math

import numpy as np
import pytest

from graders.check import assert_close, assert_dtype, assert_shape, assert_unchanged
from graders.keys.attention import reference as ref

F64 = dict(rtol=1e-9, atol=1e-12)
F32 = dict(rtol=1e-5, atol=2e-5)


def make_inputs(seed, B=2, T=5, d_model=6, d_k=4, d_v=3, dtype=np.float64, x_scale=1.0):
    """x (B, T, d_model), w_q/w_k (d_model, d_k), w_v (d_model, d_v); scores come out O(1)."""
    rng = np.random.default_rng(seed)
    x = (x_scale * rng.standard_normal((B, T, d_model))).astype(dtype)
    w_q, w_k, w_v = ((1.5 * rng.standard_normal((d_model, d)) / math.sqrt(d_model)).astype(dtype)
                     for d in (d_k, d_k, d_v))
    return x, w_q, w_k, w_v


def causal_mask(T):
    """(T, T) bool, True strictly above the diagonal: query i may not see keys j > i."""
    return np.triu(np.ones((T, T), dtype=bool), k=1)


def assert_zero_rows(out, dead, case):
    """out (B, T, d_v) must be 0 (to 1e-12) on the query rows where dead (B, T) is True."""
    assert_close(np.where(dead[:, :, None], out, 0.0), np.zeros(out.shape), case, rtol=0, atol=1e-12)


def check_attention(solution, case, x, w_q, w_k, w_v, mask=None):
    """Call the solution (mask passed only when given), compare with the float64 reference."""
    kwargs = {} if mask is None else {"mask": mask}
    out = solution.self_attention(x, w_q, w_k, w_v, **kwargs)
    expected = ref.self_attention(x, w_q, w_k, w_v, mask=mask)
    assert_shape(out, expected.shape, case + " (output is (B, T, d_v))")
    assert_close(out, expected, case, **F64)
    return out


# -- softmax ---------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_softmax_last_axis_by_default(solution):
    x = 3.0 * np.random.default_rng(0).standard_normal((4, 7))          # (4, 7)
    assert_close(solution.softmax(x), ref.softmax(x), "softmax of a (4, 7) float64 array, axis omitted", **F64)


@pytest.mark.category("correctness")
def test_softmax_along_other_axes(solution):
    x = 2.0 * np.random.default_rng(1).standard_normal((3, 4, 5))       # (3, 4, 5)
    for axis in (0, 1, -2):
        assert_close(solution.softmax(x, axis=axis), ref.softmax(x, axis=axis),
                     f"softmax of a (3, 4, 5) array with axis={axis}", **F64)


@pytest.mark.category("numerical-stability")
def test_softmax_huge_logits_float64(solution):
    x = np.array([[1e4, 1e4 - 1, 1e4 - 2, -1e4],      # exp(1e4) overflows without a max shift
                  [-1e4, -1e4 - 1, -1e4 + 1, -1e4],   # exp(-1e4) underflows to 0/0 without one
                  [5e3, 5e3, 5e3, 5e3]])              # equal huge logits: exactly uniform
    assert_close(solution.softmax(x), ref.softmax(x), "logits of magnitude 1e4 (float64)", **F64)


@pytest.mark.category("dtype")
def test_softmax_float32_in_float32_out(solution):
    x = np.array([[100.0, 99.0, 98.0, -100.0],        # exp(100) overflows float32
                  [-100.0, -101.0, -99.0, -100.0],
                  [0.5, -1.25, 3.0, 2.0]], dtype=np.float32)
    out = assert_dtype(solution.softmax(x), np.float32, "float32 logits")
    assert_close(out, ref.softmax(x), "float32 logits of magnitude 100", rtol=5e-5, atol=1e-10)


@pytest.mark.category("side-effects")
def test_softmax_does_not_modify_input(solution):
    x = np.array([[2.0, -1.0, 0.5], [10.0, 10.0, -3.0]])
    saved = x.copy()
    _, args, _ = solution.softmax.with_inputs(x, axis=-1)
    assert_unchanged(args[0], saved, "x", "softmax of a (2, 3) float64 array")


# -- self_attention: values -----------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_no_mask_matches_reference(solution):
    # d_model=6, d_k=4, d_v=3 all differ: scaling by the wrong dimension or projecting with the
    # wrong matrix shows up; the mask argument is omitted (default None: no masking at all).
    check_attention(solution, "B=2, T=5, d_model=6, d_k=4, d_v=3, no mask", *make_inputs(2))


@pytest.mark.category("correctness")
def test_hand_computed_weights(solution):
    # Identity Q/K projections and a = sqrt(2 ln 3): the scaled scores are ln 3 on the diagonal
    # and 0 elsewhere, so the weights are 3/4 on itself and 1/4 on the other token; the values are
    # one-hot, so the output rows ARE the attention weights.
    a = math.sqrt(2 * math.log(3))
    x = np.array([[[a, 0, 0, 0], [0, a, 0, 0]]])                         # (1, 2, 4)
    w_qk = np.eye(4)                                                     # d_model = d_k = 4
    w_v = np.array([[1 / a, 0], [0, 1 / a], [0, 0], [0, 0]])             # (4, 2): v = one-hot
    out = solution.self_attention(x, w_qk, w_qk, w_v)
    assert_close(out, [[[0.75, 0.25], [0.25, 0.75]]],
                 "two tokens with scaled scores [[ln 3, 0], [0, ln 3]] (scale 1/sqrt(d_k) = 1/2)", **F64)
    out = solution.self_attention(x, w_qk, w_qk, w_v, mask=causal_mask(2))
    assert_close(out, [[[1.0, 0.0], [0.25, 0.75]]],
                 "the same two tokens with a causal mask (token 0 sees only itself)", **F64)


@pytest.mark.category("numerical-stability")
def test_large_scores_do_not_overflow(solution):
    # x scaled by 30: scores reach a few thousand, exp(score) overflows unless the row max is
    # subtracted; the weights are nearly one-hot.
    x, w_q, w_k, w_v = make_inputs(3, B=2, T=6, d_model=8, d_k=4, d_v=5, x_scale=30.0)
    check_attention(solution, "scores of magnitude ~1e3 (x scaled by 30), no mask", x, w_q, w_k, w_v)


# -- self_attention: masks ------------------------------------------------------------------------

@pytest.mark.category("masking")
def test_causal_mask_T_by_T(solution):
    x, w_q, w_k, w_v = make_inputs(4, B=3, T=5)
    check_attention(solution, "a (T, T) causal mask broadcast over B=3", x, w_q, w_k, w_v, mask=causal_mask(5))


@pytest.mark.category("masking")
def test_padding_mask_differs_per_example(solution):
    B, T = 3, 6
    x, w_q, w_k, w_v = make_inputs(5, B=B, T=T)
    valid = np.array([6, 4, 2])                                          # real tokens per example
    mask = np.arange(T)[None, None, :] >= valid[:, None, None]           # (B, 1, T): padded KEYS
    check_attention(solution, "a (B, 1, T) right-padding mask with 0, 2 and 4 padded keys",
                    x, w_q, w_k, w_v, mask=mask)


@pytest.mark.category("masking")
def test_full_mask_per_example(solution):
    B, T = 2, 5
    x, w_q, w_k, w_v = make_inputs(6, B=B, T=T)
    rng = np.random.default_rng(60)
    mask = rng.random((B, T, T)) < 0.5                                   # (B, T, T)
    mask[np.arange(B)[:, None], np.arange(T)[None, :], rng.integers(0, T, (B, T))] = False  # >= 1 key per row
    check_attention(solution, "a random (B, T, T) mask, different per example", x, w_q, w_k, w_v, mask=mask)


@pytest.mark.category("masking")
def test_fully_masked_query_rows_output_zeros(solution):
    # Left padding (0, 2 and 5 pad tokens) combined with a causal mask: query i < pads of its
    # example has no key it may attend to, and must output zeros (not NaN, not the mean of V).
    B, T = 3, 6
    x, w_q, w_k, w_v = make_inputs(7, B=B, T=T)
    pads = np.array([0, 2, 5])
    padded = np.arange(T)[None, :] < pads[:, None]                       # (B, T) True = pad token
    mask = causal_mask(T)[None, :, :] | padded[:, None, :]               # (B, T, T)
    out = solution.self_attention(x, w_q, w_k, w_v, mask=mask)
    out = assert_shape(out, (B, T, 3), "left padding + causal mask")
    assert_zero_rows(out, mask.all(axis=-1),
                     "query rows whose keys are all masked (left padding + causal): they must be zeros")
    assert_close(out, ref.self_attention(x, w_q, w_k, w_v, mask=mask),
                 "a (B, T, T) left padding + causal mask", **F64)


@pytest.mark.category("edge-case")
def test_fully_padded_example_outputs_zeros(solution):
    B, T = 2, 4
    x, w_q, w_k, w_v = make_inputs(8, B=B, T=T)
    mask = np.array([[[False, False, True, True]],
                     [[True, True, True, True]]])                        # (B, 1, T): example 1 all padding
    out = solution.self_attention(x, w_q, w_k, w_v, mask=mask)
    out = assert_shape(out, (B, T, 3), "a (B, 1, T) mask where example 1 is all padding")
    assert_zero_rows(out, np.broadcast_to(mask, (B, T, T)).all(axis=-1),
                     "example 1 of a (B, 1, T) mask, all padding: every query row must be zeros")
    assert_close(out, ref.self_attention(x, w_q, w_k, w_v, mask=mask),
                 "a (B, 1, T) mask where example 1 is all padding", **F64)


# -- self_attention: dtypes and inputs ------------------------------------------------------------

@pytest.mark.category("dtype")
def test_float32_in_float32_out(solution):
    x, w_q, w_k, w_v = make_inputs(9, B=3, T=7, d_model=16, d_k=8, d_v=5, dtype=np.float32)
    mask = causal_mask(7)
    out = solution.self_attention(x, w_q, w_k, w_v, mask=mask)
    assert_dtype(out, np.float32, "float32 x and weights with a causal mask")
    assert_close(out, ref.self_attention(x, w_q, w_k, w_v, mask=mask),
                 "float32 x and weights with a causal mask", **F32)


@pytest.mark.category("dtype")
def test_mixed_float_dtypes_give_result_type(solution):
    x, w_q, w_k, w_v = make_inputs(10)
    for case, args in (("float32 x with float64 weights", (x.astype(np.float32), w_q, w_k, w_v)),
                       ("float64 x with float32 weights", (x, *(w.astype(np.float32) for w in (w_q, w_k, w_v))))):
        out = assert_dtype(solution.self_attention(*args), np.float64, case + " (np.result_type is float64)")
        assert_close(out, ref.self_attention(*args), case, **F64)


@pytest.mark.category("side-effects")
def test_inputs_not_modified(solution):
    B, T = 2, 4
    x, w_q, w_k, w_v = make_inputs(11, B=B, T=T)
    mask = np.zeros((B, T, T), dtype=bool)                               # (B, T, T)
    mask[0, :, 3] = True
    mask[1, 2, :] = True                                                 # one fully masked query row
    inputs = {"x": x, "w_q": w_q, "w_k": w_k, "w_v": w_v, "mask": mask}
    saved = {name: value.copy() for name, value in inputs.items()}
    _, args, kwargs = solution.self_attention.with_inputs(x, w_q, w_k, w_v, mask=mask)
    case = "a (B, T, T) mask with a fully masked row"
    for name, after in zip(("x", "w_q", "w_k", "w_v"), args):
        assert_unchanged(after, saved[name], name, case)
    assert_unchanged(kwargs["mask"], saved["mask"], "mask", case)
