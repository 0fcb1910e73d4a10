"""Hidden tests of the `attention` kata: softmax(x, axis) and single-head self_attention.

The same tests grade the NumPy and the PyTorch attempt (the worker hands a PyTorch attempt tensors).
Expected values come from the float64 reference (graders/keys/attention/reference.py) or are derived
by hand. Tolerances:
  float64 in -> rtol 1e-9, atol 1e-12: only summation order differs between correct styles
                (matmul, einsum, loops, exp(x - logsumexp), an online softmax over key blocks);
                every bug here is off by > 1e-3, except a scale rounded to float32 (~3e-8 relative,
                see test_scale_of_a_head_size_without_an_exact_root).
  float32 attention -> rtol 1e-5, atol 2e-5: outputs are weighted means of values up to ~5 in
                magnitude; float32 arithmetic inside (eps 6e-8, a few roundings per dot product)
                was measured at <= 2.4e-6 absolute over 300 random cases and four styles, and
                again at <= 3.1e-6 (<= 13% of the bound) over 300 random (3, 7, 16) cases with and
                without a causal mask, for the five alternatives; in PyTorch (float32 einsum, a
                float32 online softmax) at <= 11% of the bound over the same cases.
  float32 softmax of logits up to 100 -> rtol 5e-5: the logsumexp formulation rounds
                max + log(sum) at ulp(100) = 7.6e-6, an error every probability inherits (PyTorch,
                float32 inside: <= 8% of the bound over 300 random (6, 6) cases in [-100, 100]).
Mask convention: True = may NOT attend.

Each test fails only for what its category names: the dtype tests look at the dtype (and say
whether the values are wrong too), the side-effects tests at the inputs, the float32 accuracy is a
numerical-stability test. A warning or exception with a classic cause is reported with that cause,
chosen for the test's input (a NaN on a mask that leaves every query a key is the mask's polarity;
on a mask with fully masked rows by design, it is those rows). PyTorch does not warn: a NaN in its
output is reported with the same cause (refuse_nan).
"""

import math

import numpy as np
import pytest

from graders.check import as_array, assert_close, assert_shape, assert_unchanged, classic_causes
from graders.keys.attention import reference as ref
from graders.session import SolutionRaised

F64 = dict(rtol=1e-9, atol=1e-12)
F32 = dict(rtol=1e-5, atol=2e-5)
SOFTMAX32 = dict(rtol=5e-5, atol=1e-10)


# -- the classic causes of what a solution may raise ------------------------------------------------

KEEPDIMS = ("could not be broadcast", "the max or the sum along `axis` taken without keepdims=True? the reduced "
            "array no longer lines up with x")
SCORES_KEEPDIMS = ("could not be broadcast", "a max or sum over the keys taken without keepdims=True? it no longer "
                   "lines up with the (B, T, T) scores")
MASK_KEEPDIMS = ("could not be broadcast", "a max or sum over the keys taken without keepdims=True (it no longer "
                 "lines up with the (B, T, T) scores), or a mask that does not broadcast to (B, T, T)?")
MASK_INDEXING = ("boolean index did not match", "scores[mask] = ... works only for a mask of exactly the scores' "
                 "shape; a (T, T) or (B, 1, T) mask must broadcast: np.where(mask, -np.inf, scores)")


def overflow_causes(big, rows="slice along `axis`"):
    """For inputs with entries of magnitude `big` and rows far apart: an overflow is a missing max shift
    (it comes first, at exp), a 0/0 after that is a max taken over the whole array. A NaN with no
    warning first (PyTorch does not warn) is either."""
    far = (f"0/0: a {rows} far below the array's overall max underflows to all zeros; subtract the max of each "
           f"{rows} (keepdims=True), not the max of the whole array")
    either = (f"exp of entries near {big:g} overflows to inf (inf/inf is NaN) without a max shift, and a {rows} "
              f"far below the overall max underflows to 0/0: subtract the max of each {rows} (keepdims=True)")
    return (("overflow", f"exp of entries near {big:g} overflows: subtract the max of each {rows} (keepdims=True) "
                         "before exp"),
            ("invalid value", far), ("divide by zero", far), ("NaN", either))


def polarity(mask_kind):
    """For a mask that leaves every query at least one key: a NaN means the code masked a whole row."""
    hint = (f"{mask_kind} leaves every query row at least one key, so a NaN (-inf - (-inf), or 0/0) means your code "
            "masked every key of some row: check the mask's polarity (True = may NOT attend), and that the softmax "
            "runs over the keys (the last axis)")
    return (("invalid value", hint), ("divide by zero", hint))


def dead_rows(mask_kind):
    """For a mask with fully masked query rows on purpose: the NaN is those rows, left unhandled."""
    hint = (f"{mask_kind} has query rows whose keys are ALL masked, on purpose: their max is -inf and -inf - (-inf) "
            "is NaN (or the sum is 0 and 0/0 is NaN); give such rows finite scores before the softmax (or skip "
            "them) and output zeros there")
    return (("invalid value", hint), ("divide by zero", hint))


def refuse_nan(out, case, causes):
    """PyTorch does not warn: a NaN comes back as a value. If `out` holds one, fail with the cause the
    test names for it: its ("NaN", hint), else the hint NumPy's "invalid value" warning would get."""
    hints = dict(causes)
    hint = hints.get("NaN", hints.get("invalid value"))
    if hint and isinstance(out, np.ndarray) and out.dtype.kind == "f" and np.isnan(out).any():
        raise AssertionError(f"NaN at {np.argwhere(np.isnan(out))[0].tolist()} for {case}: {hint}")
    return out


# -- inputs and checks ------------------------------------------------------------------------------

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


def two_sided_mask(seed, B, T):
    """A random (B, T, T) mask in which every query row and every key column has at least one masked
    and one visible entry: whichever polarity a solution reads it with, and whichever axis its
    softmax runs over, nothing is fully masked (for the dtype and side-effects tests, which are not
    about masking)."""
    rng = np.random.default_rng(seed)
    while True:
        mask = rng.random((B, T, T)) < 0.5
        if all(mask.any(axis=a).all() and (~mask).any(axis=a).all() for a in (1, 2)):
            return mask


def assert_zero_rows(out, dead, case):
    """out (B, T, d_v) must be 0 (to 1e-12) on the query rows where dead (B, T) is True."""
    assert_close(np.where(dead[:, :, None], out, 0.0), np.zeros(out.shape), case, rtol=0, atol=1e-12)


def check_attention(solution, case, x, w_q, w_k, w_v, mask=None, causes=(), tol=F64):
    """Call the solution (mask passed only when given), compare with the float64 reference."""
    kwargs = {} if mask is None else {"mask": mask}
    with classic_causes(*causes, *((SCORES_KEEPDIMS,) if mask is None else (MASK_KEEPDIMS, MASK_INDEXING))):
        out = refuse_nan(solution.self_attention(x, w_q, w_k, w_v, **kwargs), case, causes)
    expected = ref.self_attention(x, w_q, w_k, w_v, mask=mask)
    assert_shape(out, expected.shape, case + " (output is (B, T, d_v))")
    assert_close(out, expected, case, **tol)
    return out


def assert_dtype_only(actual, dtype, expected, case, tol):
    """A dtype check and nothing else: the values are compared only to say, when the dtype is
    wrong, whether they are wrong too (the values themselves are the other tests' job)."""
    actual = as_array(actual, case, f"a {np.dtype(dtype)} array")
    if actual.dtype != np.dtype(dtype):
        try:
            assert_close(actual, expected, case, **tol)
            also = ""
        except AssertionError:
            also = "; the values are wrong too: see the correctness and masking tests"
        raise AssertionError(f"dtype {actual.dtype} for {case}; expected {np.dtype(dtype)} (keep the float dtype of "
                             f"the inputs: np.result_type){also}")


# -- softmax ---------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_softmax_last_axis_by_default(solution, seed):
    x = 3.0 * np.random.default_rng(seed(0)).standard_normal((4, 7))    # (4, 7)
    with classic_causes(KEEPDIMS):
        out = solution.softmax(x)
    assert_close(out, ref.softmax(x), "softmax of a (4, 7) float64 array, axis omitted", **F64)


@pytest.mark.category("correctness")
def test_softmax_along_other_axes(solution, seed):
    x = 2.0 * np.random.default_rng(seed(1)).standard_normal((3, 4, 5))  # (3, 4, 5)
    for axis in (0, 1, -2):
        with classic_causes(KEEPDIMS):
            out = solution.softmax(x, axis=axis)
        assert_close(out, ref.softmax(x, axis=axis), f"softmax of a (3, 4, 5) array with axis={axis}", **F64)


@pytest.mark.category("numerical-stability")
def test_softmax_huge_logits_float64(solution):
    x = np.array([[1e4, 1e4 - 1, 1e4 - 2, -1e4],      # exp(1e4) overflows without a max shift
                  [-1e4, -1e4 - 1, -1e4 + 1, -1e4],   # exp(-1e4) underflows to 0/0 without one
                  [5e3, 5e3, 5e3, 5e3]])              # equal huge logits: exactly uniform
    case, causes = "logits of magnitude 1e4 (float64)", overflow_causes(1e4, "row")
    with classic_causes(*causes, KEEPDIMS):
        out = refuse_nan(solution.softmax(x), case, causes)
    assert_close(out, ref.softmax(x), case, **F64)


@pytest.mark.category("numerical-stability")
def test_softmax_float32_logits_of_magnitude_100(solution):
    x = np.array([[100.0, 99.0, 98.0, -100.0],        # exp(100) overflows float32 (max 3.4e38)
                  [-100.0, -101.0, -99.0, -100.0],
                  [0.5, -1.25, 3.0, 2.0]], dtype=np.float32)
    case, causes = "float32 logits of magnitude 100", overflow_causes(100, "row")
    with classic_causes(*causes, KEEPDIMS):
        out = refuse_nan(solution.softmax(x), case, causes)
    assert_close(out, ref.softmax(x), case, **SOFTMAX32)


@pytest.mark.category("dtype")
def test_softmax_float32_in_float32_out(solution, seed):
    # Square and O(1): nothing here can overflow or mis-broadcast, only the dtype is looked at.
    x = 2.0 * np.random.default_rng(seed(12)).standard_normal((4, 4))
    for dtype, tol in ((np.float32, SOFTMAX32), (np.float64, F64)):
        xd = x.astype(dtype)
        assert_dtype_only(solution.softmax(xd), dtype, ref.softmax(xd),
                          f"softmax of {np.dtype(dtype)} logits (4, 4) of magnitude ~2", tol)


@pytest.mark.category("side-effects")
def test_softmax_does_not_modify_input(solution):
    # Square, so that even a max taken without keepdims broadcasts: this test only looks at x.
    x = np.array([[2.0, -1.0, 0.5], [10.0, 10.0, -3.0], [0.0, 1.0, -2.0]])
    saved = x.copy()
    _, args, _ = solution.softmax.with_inputs(x, axis=-1)
    assert_unchanged(args[0], saved, "x", "softmax of a (3, 3) float64 array")


# -- self_attention: values -----------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_no_mask_matches_reference(solution, seed):
    # d_model=6, d_k=4, d_v=3 all differ: scaling by the wrong dimension or projecting with the
    # wrong matrix shows up; the mask argument is omitted (default None: no masking at all).
    check_attention(solution, "B=2, T=5, d_model=6, d_k=4, d_v=3, no mask", *make_inputs(seed(2)))


@pytest.mark.category("correctness")
def test_scale_of_a_head_size_without_an_exact_root(solution, seed):
    # d_k = 3: sqrt(3) is irrational, so a scale rounded to float32 on the way (torch.sqrt of an int
    # tensor is float32) is off by ~3e-8 relative, 8x past F64 at the least over 1000 seeds; d_k = 4
    # elsewhere hides it (sqrt(4) = 2 exactly).
    check_attention(solution, f"B=2, T=5, d_model=6, d_k=3, d_v=2, float64, no mask, seed {seed(13)}",
                    *make_inputs(seed(13), d_k=3, d_v=2))


def hand_computed_case():
    """Identity Q/K projections and a = sqrt(2 ln 3): the scaled scores are ln 3 on the diagonal and 0
    elsewhere, so the weights are 3/4 on itself and 1/4 on the other token; the values are one-hot,
    so the output rows ARE the attention weights. x (1, 2, 4), w_q = w_k = I (d_k = 4), w_v (4, 2)."""
    a = math.sqrt(2 * math.log(3))
    x = np.array([[[a, 0, 0, 0], [0, a, 0, 0]]])
    return x, np.eye(4), np.eye(4), np.array([[1 / a, 0], [0, 1 / a], [0, 0], [0, 0]])


@pytest.mark.category("correctness")
def test_hand_computed_weights(solution):
    out = solution.self_attention(*hand_computed_case())
    assert_close(out, [[[0.75, 0.25], [0.25, 0.75]]],
                 "two tokens with scaled scores [[ln 3, 0], [0, ln 3]] (scale 1/sqrt(d_k) = 1/2)", **F64)


@pytest.mark.category("masking")
def test_hand_computed_causal_weights(solution):
    causes = polarity("a (2, 2) causal mask")
    with classic_causes(*causes, MASK_KEEPDIMS, MASK_INDEXING):
        out = refuse_nan(solution.self_attention(*hand_computed_case(), mask=causal_mask(2)), "a (2, 2) causal mask",
                         causes)
    assert_close(out, [[[1.0, 0.0], [0.25, 0.75]]],
                 "two tokens with scaled scores [[ln 3, 0], [0, ln 3]] and a (2, 2) causal mask (token 0 sees "
                 "only itself, token 1 both)", **F64)


@pytest.mark.category("numerical-stability")
def test_large_scores_do_not_overflow(solution, seed):
    # x scaled by 30: scores reach a few thousand, exp(score) overflows unless the row max is
    # subtracted; the weights are nearly one-hot.
    x, w_q, w_k, w_v = make_inputs(seed(3), B=2, T=6, d_model=8, d_k=4, d_v=5, x_scale=30.0)
    check_attention(solution, "scores of magnitude ~1e3 (x scaled by 30), no mask", x, w_q, w_k, w_v,
                    causes=overflow_causes(1e3, "query row (over its keys)"))


@pytest.mark.category("numerical-stability")
def test_float32_inputs_stay_accurate(solution, seed):
    # The values of float32 attention (the dtype is the dtype tests' business, the masks the masking
    # tests'): float32 arithmetic inside is fine, within F32 of the float64 reference.
    x, w_q, w_k, w_v = make_inputs(seed(9), B=3, T=7, d_model=16, d_k=8, d_v=5, dtype=np.float32)
    check_attention(solution, "float32 x and weights (B=3, T=7, d_model=16, d_k=8, d_v=5), no mask",
                    x, w_q, w_k, w_v, tol=F32)


# -- self_attention: masks ------------------------------------------------------------------------

@pytest.mark.category("masking")
def test_causal_mask_T_by_T(solution, seed):
    x, w_q, w_k, w_v = make_inputs(seed(4), B=3, T=5)
    check_attention(solution, "a (T, T) causal mask broadcast over B=3", x, w_q, w_k, w_v, mask=causal_mask(5),
                    causes=polarity("a (T, T) causal mask"))


@pytest.mark.category("masking")
def test_padding_mask_differs_per_example(solution, seed):
    B, T = 3, 6
    x, w_q, w_k, w_v = make_inputs(seed(5), B=B, T=T)
    valid = np.array([6, 4, 2])                                          # real tokens per example
    mask = np.arange(T)[None, None, :] >= valid[:, None, None]           # (B, 1, T): padded KEYS
    hint = ("this (B, 1, T) padding mask leaves every query at least one real key, so a NaN (-inf - (-inf), or 0/0) "
            "means your code masked every key of some row: check the mask's polarity (True = may NOT attend), that "
            "a (B, 1, T) mask hides padded KEYS (its last axis), not padded queries, and that the softmax runs over "
            "the keys")
    check_attention(solution, "a (B, 1, T) right-padding mask with 0, 2 and 4 padded keys",
                    x, w_q, w_k, w_v, mask=mask, causes=(("invalid value", hint), ("divide by zero", hint)))


@pytest.mark.category("masking")
def test_full_mask_per_example(solution, seed):
    B, T = 2, 5
    x, w_q, w_k, w_v = make_inputs(seed(6), B=B, T=T)
    rng = np.random.default_rng(seed(60))
    mask = rng.random((B, T, T)) < 0.5                                   # (B, T, T)
    mask[np.arange(B)[:, None], np.arange(T)[None, :], rng.integers(0, T, (B, T))] = False  # >= 1 key per row
    check_attention(solution, "a random (B, T, T) mask, different per example", x, w_q, w_k, w_v, mask=mask,
                    causes=polarity("this random (B, T, T) mask"))


@pytest.mark.category("masking")
def test_fully_masked_query_rows_output_zeros(solution, seed):
    # Left padding (0, 2 and 5 pad tokens) combined with a causal mask: query i < pads of its
    # example has no key it may attend to, and must output zeros (not NaN, not the mean of V).
    B, T = 3, 6
    x, w_q, w_k, w_v = make_inputs(seed(7), B=B, T=T)
    pads = np.array([0, 2, 5])
    padded = np.arange(T)[None, :] < pads[:, None]                       # (B, T) True = pad token
    mask = causal_mask(T)[None, :, :] | padded[:, None, :]               # (B, T, T)
    causes = dead_rows("this left padding + causal mask")
    with classic_causes(*causes, MASK_KEEPDIMS, MASK_INDEXING):
        out = refuse_nan(solution.self_attention(x, w_q, w_k, w_v, mask=mask), "left padding + causal mask", causes)
    out = assert_shape(out, (B, T, 3), "left padding + causal mask")
    assert_zero_rows(out, mask.all(axis=-1),
                     "query rows whose keys are all masked (left padding + causal): they must be zeros")
    assert_close(out, ref.self_attention(x, w_q, w_k, w_v, mask=mask),
                 "a (B, T, T) left padding + causal mask", **F64)


@pytest.mark.category("edge-case")
def test_fully_padded_example_outputs_zeros(solution, seed):
    B, T = 2, 4
    x, w_q, w_k, w_v = make_inputs(seed(8), B=B, T=T)
    mask = np.array([[[False, False, True, True]],
                     [[True, True, True, True]]])                        # (B, 1, T): example 1 all padding
    causes = dead_rows("this (B, 1, T) mask, whose example 1 is all padding,")
    with classic_causes(*causes, MASK_KEEPDIMS, MASK_INDEXING):
        out = refuse_nan(solution.self_attention(x, w_q, w_k, w_v, mask=mask), "a (B, 1, T) mask where example 1 "
                         "is all padding", causes)
    out = assert_shape(out, (B, T, 3), "a (B, 1, T) mask where example 1 is all padding")
    assert_zero_rows(out, np.broadcast_to(mask, (B, T, T)).all(axis=-1),
                     "example 1 of a (B, 1, T) mask, all padding: every query row must be zeros")
    assert_close(out, ref.self_attention(x, w_q, w_k, w_v, mask=mask),
                 "a (B, 1, T) mask where example 1 is all padding", **F64)


# -- self_attention: dtypes and inputs ------------------------------------------------------------

# The dtype and side-effects tests take B == T and masks with no fully masked row under either
# polarity: a softmax whose max lacks keepdims then broadcasts (wrongly, without an error) and a
# flipped mask gives no NaN, so these tests see only what their category names.

@pytest.mark.category("dtype")
def test_float32_in_float32_out(solution, seed):
    B = T = 5
    x, w_q, w_k, w_v = make_inputs(seed(9), B=B, T=T, d_model=16, d_k=8, d_v=5, dtype=np.float32)
    mask = two_sided_mask(seed(90), B, T)                                # (B, T, T), no fully masked row
    for case, kwargs in (("float32 x and weights, no mask", {}),
                         ("float32 x and weights with a (B, T, T) bool mask", {"mask": mask})):
        with classic_causes(*(polarity("this (B, T, T) mask") + (MASK_KEEPDIMS,) if kwargs else (SCORES_KEEPDIMS,))):
            out = solution.self_attention(x, w_q, w_k, w_v, **kwargs)
        assert_dtype_only(out, np.float32, ref.self_attention(x, w_q, w_k, w_v, **kwargs), case, F32)


@pytest.mark.category("dtype")
def test_mixed_float_dtypes_give_result_type(solution, seed):
    x, w_q, w_k, w_v = make_inputs(seed(10), B=5, T=5)
    for case, args in (("float32 x with float64 weights", (x.astype(np.float32), w_q, w_k, w_v)),
                       ("float64 x with float32 weights", (x, *(w.astype(np.float32) for w in (w_q, w_k, w_v))))):
        assert_dtype_only(solution.self_attention(*args), np.float64, ref.self_attention(*args),
                          case + " (np.result_type is float64)", F64)


@pytest.mark.category("side-effects")
def test_inputs_not_modified(solution, seed):
    B = T = 4
    x, w_q, w_k, w_v = make_inputs(seed(11), B=B, T=T)
    mask = two_sided_mask(seed(110), B, T)                               # (B, T, T), no fully masked row
    case = "a random (B, T, T) mask, every query row with a visible key"
    saved = {name: value.copy() for name, value in zip(("x", "w_q", "w_k", "w_v", "mask"), (x, w_q, w_k, w_v, mask))}
    _, args, kwargs = solution.self_attention.with_inputs(x, w_q, w_k, w_v, mask=mask)
    for name, after in zip(("x", "w_q", "w_k", "w_v"), args):
        assert_unchanged(after, saved[name], name, case)
    assert_unchanged(kwargs["mask"], saved["mask"], "mask", case)

    # A fully masked row is where a solution is tempted to patch the mask (unmask the row) in place.
    dead = mask.copy()
    dead[1, 2, :] = True                                                 # query 2 of example 1 sees no key
    saved = dead.copy()
    try:
        _, _, kwargs = solution.self_attention.with_inputs(x, w_q, w_k, w_v, mask=dead)
    except SolutionRaised:
        return  # a failure on a fully masked row is the masking tests' to report; no input to look at here
    assert_unchanged(kwargs["mask"], saved, "mask", "a (B, T, T) mask whose query 2 of example 1 is fully masked")
