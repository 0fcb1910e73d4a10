"""Hidden tests of the multihead kata's level `gqa` (both frameworks):
grouped_query_attention(x, W_q, W_k, W_v, W_o, num_heads, num_kv_heads, mask=None).

Expected values come from the kata's own float64 multi-head reference run on K/V weights expanded to
one block per query head (query head h gets KV block h // (H // G)), an independent path from the
level's reference (graders/keys/multihead/levels/gqa/reference.py, checked in its test_oracle.py
against torch's scaled_dot_product_attention(enable_gqa=True)). d_model = 12 with H in {3, 4, 6}
and G in {1, 2, 3}, so a tiled instead of repeated K/V, a mask indexed by KV head or a batch axis
broadcast against the group axis all show. Mask convention: True = may NOT attend, per QUERY head.

Tolerances are the kata's (see katas/multihead/test_multihead.py for how they were measured). Over 150
random cases (B <= 3, T <= 7, d_model in {4, 6, 12, 16} with every divisor as num_heads and every divisor
of that as num_kv_heads; no mask, causal, (B, 1, 1, T) padding and random (B, H, T, T) masks) the level's
two references and six alternatives stayed within 0.001 (F64), 0.025 (LARGE) and 0.08 (F32, the
float32-arithmetic alternatives) of these bounds. Every bug targeted here is off by more than 0.1 somewhere.
"""

import math

import numpy as np
import pytest

from graders.check import assert_close, assert_dtype, assert_shape, assert_unchanged, classic_cause, classic_causes
from graders.keys.multihead import reference as mha
from graders.session import SolutionRaised

F64 = dict(rtol=1e-9, atol=1e-12)
LARGE = dict(rtol=1e-9, atol=1e-10)
F32 = dict(rtol=1e-5, atol=2e-5)

DEAD_ROWS = ("a query whose keys are all masked: exp(-inf - (-inf)) is NaN (invalid value); "
             "give such a row zero weights (zeros from that head) instead")
OVERFLOW = "exp of scores ~1e3 overflows (and inf / inf is NaN): subtract each row's max score before exp"
SHARING = ("a shape mismatch between the query and KV heads: K and V with the wrong number of heads? split them into G = num_kv_heads heads, then repeat each "
           "H // G times in place (query head h reads KV head h // (H // G))")


def make_inputs(seed, num_heads, num_kv_heads, B=2, T=5, d_model=12, dtype=np.float64, x_scale=1.0):
    """x (B, T, d_model), W_q and W_o (d_model, d_model), W_k and W_v (d_model, G*d_head)."""
    rng = np.random.default_rng(seed)
    kv_width = num_kv_heads * (d_model // num_heads)
    x = (x_scale * rng.standard_normal((B, T, d_model))).astype(dtype)
    W_q, W_k, W_v, W_o = ((1.5 * rng.standard_normal((d_model, width)) / math.sqrt(d_model)).astype(dtype)
                          for width in (d_model, kv_width, kv_width, d_model))
    return x, (W_q, W_k, W_v, W_o)


def expand_kv(W, num_heads, num_kv_heads):
    """(d_model, G*d_head) -> (d_model, H*d_head): KV block h // (H // G) in query head h's columns."""
    d_model, width = W.shape
    blocks = W.reshape(d_model, num_kv_heads, width // num_kv_heads)            # (d_model, G, d_head)
    return blocks.repeat(num_heads // num_kv_heads, axis=1).reshape(d_model, -1)  # (d_model, H*d_head)


def expected_output(x, weights, num_heads, num_kv_heads, mask=None):
    """The kata's multi-head reference with K/V weights expanded per query head."""
    W_q, W_k, W_v, W_o = weights
    return mha.multi_head_attention(x, W_q, expand_kv(W_k, num_heads, num_kv_heads),
                                    expand_kv(W_v, num_heads, num_kv_heads), W_o, num_heads, mask=mask)


def refuse_nan(out, case, hint):
    """PyTorch does not warn: a NaN comes back as a value; fail with the cause NumPy's warning gets."""
    if isinstance(out, np.ndarray) and out.dtype.kind == "f" and np.isnan(out).any():
        raise AssertionError(f"NaN at {np.argwhere(np.isnan(out))[0].tolist()} for {case}: {hint}")
    return out


def causal_mask(T):
    """(T, T) bool, True strictly above the diagonal: query i may not see keys j > i."""
    return np.triu(np.ones((T, T), dtype=bool), k=1)


def call(solution, x, weights, num_heads, num_kv_heads, mask=None):
    """Call the solution, passing mask only when given (the default must mean no mask)."""
    kwargs = {} if mask is None else {"mask": mask}
    return solution.grouped_query_attention(x, *weights, num_heads, num_kv_heads, **kwargs)


def check(solution, case, x, weights, num_heads, num_kv_heads, mask=None, tol=F64, nan_hint=None):
    """The output has shape (B, T, d_model) and matches the expanded multi-head reference."""
    out = call(solution, x, weights, num_heads, num_kv_heads, mask)
    if nan_hint:
        refuse_nan(out, case, nan_hint)
    expected = expected_output(x, weights, num_heads, num_kv_heads, mask)
    assert_shape(out, expected.shape, case + " (the output is (B, T, d_model))")
    return assert_close(out, expected, case, **tol)


def values_also_wrong(out, expected, tol):
    """'' if out matches expected, else a note for a dtype / side-effects message."""
    try:
        assert_close(out, expected, "", **tol)
    except AssertionError:
        return " (the values are wrong too: see the correctness and masking tests)"
    return ""


# -- correctness ----------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_query_groups_share_their_kv_head(solution, seed):
    # H / G = 2 and 3 query heads per KV head, 2 and 3 KV heads: tiling K/V instead of repeating them,
    # or repeating them G times instead of H / G, shows in at least one of these.
    for case_seed, (H, G) in ((1, (4, 2)), (2, (6, 3)), (3, (6, 2))):
        x, ws = make_inputs(seed(case_seed), H, G)
        with classic_causes(("broadcast", SHARING), ("must match the size", SHARING), raised=("ValueError", "RuntimeError")):
            check(solution, f"B=2, T=5, d_model=12, num_heads={H}, num_kv_heads={G}, no mask, seed {seed(case_seed)}",
                  x, ws, H, G)


@pytest.mark.category("correctness")
def test_float32_values_within_float32_rounding(solution, seed):
    x, ws = make_inputs(seed(4), 4, 2, B=3, T=7, d_model=16, dtype=np.float32)
    for mask, name in ((None, "no mask"), (causal_mask(7), "a causal mask")):
        check(solution, f"float32 x and weights, B=3, T=7, d_model=16, num_heads=4, num_kv_heads=2, {name}, "
                        f"seed {seed(4)}", x, ws, 4, 2, mask=mask, tol=F32)


# -- edge cases -----------------------------------------------------------------------------------

@pytest.mark.category("edge-case")
def test_as_many_kv_heads_as_heads_is_multi_head_attention(solution, seed):
    for case_seed, H in ((5, 3), (6, 4)):
        x, ws = make_inputs(seed(case_seed), H, H)
        check(solution, f"num_kv_heads = num_heads = {H} (plain multi-head attention), causal mask, "
                        f"seed {seed(case_seed)}", x, ws, H, H, mask=causal_mask(5))


@pytest.mark.category("edge-case")
def test_one_kv_head_is_multi_query_attention(solution, seed):
    # Every query head reads the one K/V head, but each applies its own row of a per-head mask.
    T = 6
    x, ws = make_inputs(seed(7), 3, 1, B=2, T=T)
    offset = np.subtract.outer(np.arange(T), np.arange(T))                       # i - j
    mask = np.stack([offset < 0, offset > 0, np.abs(offset) > 1])[None]         # (1, 3, T, T)
    check(solution, f"num_kv_heads=1 (multi-query), num_heads=3, no mask, seed {seed(7)}", x, ws, 3, 1)
    check(solution, f"num_kv_heads=1, num_heads=3, a (1, H, T, T) mask: head 0 causal, head 1 future only, "
                    f"head 2 a +-1 window, seed {seed(7)}", x, ws, 3, 1, mask=mask)


# -- numerical stability --------------------------------------------------------------------------

@pytest.mark.category("numerical-stability")
def test_large_scores_do_not_overflow(solution, seed):
    x, ws = make_inputs(seed(8), 6, 2, B=2, T=6, x_scale=30.0)
    with classic_cause(OVERFLOW):
        check(solution, f"scores of magnitude ~1e3 (x scaled by 30), num_heads=6, num_kv_heads=2, causal mask, "
                        f"seed {seed(8)}", x, ws, 6, 2, mask=causal_mask(6), tol=LARGE, nan_hint=OVERFLOW)


# -- masks ----------------------------------------------------------------------------------------

@pytest.mark.category("masking")
def test_padding_mask_differs_per_example(solution, seed):
    # B = G = 2: a (B, 1, 1, T) mask broadcast against grouped (B, G, H/G, T, T) scores without a reshape
    # lines its batch axis up with the group axis, silently.
    B, T = 2, 6
    x, ws = make_inputs(seed(9), 4, 2, B=B, T=T)
    valid = np.array([6, 3])                                                     # real tokens per example
    mask = (np.arange(T)[None, :] >= valid[:, None])[:, None, None, :]           # (B, 1, 1, T): padded KEYS
    check(solution, f"a (B, 1, 1, T) right-padding mask with 0 and 3 padded keys, B=2, num_heads=4, "
                    f"num_kv_heads=2, seed {seed(9)}", x, ws, 4, 2, mask=mask)


@pytest.mark.category("masking")
def test_per_query_head_mask_within_a_group(solution, seed):
    # The mask has one entry per QUERY head: the two query heads sharing a KV head are masked differently.
    B, H, G, T = 2, 4, 2, 5
    x, ws = make_inputs(seed(10), H, G, B=B, T=T)
    rng = np.random.default_rng(seed(100))
    mask = rng.random((B, H, T, T)) < 0.5                                        # (B, H, T, T)
    keep = rng.integers(0, T, (B, H, T))                                         # >= 1 key per row
    mask[np.arange(B)[:, None, None], np.arange(H)[None, :, None], np.arange(T), keep] = False
    check(solution, f"a random (B, H, T, T) mask, different per example and per query head, num_heads=4, "
                    f"num_kv_heads=2, seed {seed(10)} (mask seed {seed(100)})", x, ws, H, G, mask=mask)


@pytest.mark.category("masking")
def test_fully_masked_query_rows_output_zeros(solution, seed):
    # Left padding (0, 2 and 5 pad tokens) with a causal mask: a query before its example's first real
    # token has no key in any head and outputs zeros (0 @ W_o), not NaN.
    B, T = 3, 6
    x, ws = make_inputs(seed(11), 4, 2, B=B, T=T)
    pads = np.array([0, 2, 5])
    padded = np.arange(T)[None, :] < pads[:, None]                               # (B, T) True = pad token
    mask = (causal_mask(T)[None] | padded[:, None, :])[:, None]                  # (B, 1, T, T)
    case = f"a (B, 1, T, T) left padding + causal mask, num_heads=4, num_kv_heads=2, seed {seed(11)}"
    with classic_cause(DEAD_ROWS):
        out = refuse_nan(call(solution, x, ws, 4, 2, mask), case, DEAD_ROWS)
    out = assert_shape(out, (B, T, 12), case)
    dead = mask[:, 0].all(axis=-1)                                               # (B, T)
    assert_close(np.where(dead[:, :, None], out, 0.0), np.zeros(out.shape),
                 case + ": the query rows whose keys are all masked must be zeros", rtol=0, atol=1e-12)
    assert_close(out, expected_output(x, ws, 4, 2, mask), case, **F64)


# -- dtypes and inputs ----------------------------------------------------------------------------

@pytest.mark.category("dtype")
def test_float32_in_float32_out(solution, seed):
    x, ws = make_inputs(seed(12), 4, 2, B=2, T=6, d_model=16, dtype=np.float32)
    out = call(solution, x, ws, 4, 2, causal_mask(6))
    case = f"float32 x and weights, num_heads=4, num_kv_heads=2, a causal mask, seed {seed(12)}"
    try:
        assert_dtype(out, np.float32, case)
    except AssertionError as e:
        raise AssertionError(str(e) + values_also_wrong(out, expected_output(x, ws, 4, 2, causal_mask(6)), F32)) from None


@pytest.mark.category("dtype")
def test_mixed_float_dtypes_give_result_type(solution, seed):
    x, ws = make_inputs(seed(13), 6, 3)
    f32 = [w.astype(np.float32) for w in ws]
    cases = (("float32 x with float64 weights", x.astype(np.float32), ws),
             ("float64 x with float32 weights", x, f32),
             ("float32 x, W_q, W_o with float64 W_k and W_v", x.astype(np.float32), (f32[0], *ws[1:3], f32[3])))
    for case, x_in, w_in in cases:
        out = call(solution, x_in, w_in, 6, 3)
        try:
            assert_dtype(out, np.float64, case + f" (the promoted dtype is float64), seed {seed(13)}")
        except AssertionError as e:
            raise AssertionError(str(e) + values_also_wrong(out, expected_output(x_in, w_in, 6, 3), F32)) from None


@pytest.mark.category("side-effects")
def test_inputs_not_modified(solution, seed):
    B, H, G, T = 2, 4, 2, 4
    x, ws = make_inputs(seed(14), H, G, B=B, T=T)
    causal = np.broadcast_to(causal_mask(T), (B, H, T, T)).copy()               # (B, H, T, T), writable
    dead_row = causal.copy()
    dead_row[1, 2, 1, :] = True                                                  # one head with a dead row
    names = ("x", "W_q", "W_k", "W_v", "W_o", "mask")
    for case, mask in ((f"a (B, H, T, T) causal mask, num_kv_heads=2, seed {seed(14)}", causal),
                       (f"a (B, H, T, T) causal mask with a fully masked row in one head, num_kv_heads=2, "
                        f"seed {seed(14)}", dead_row)):
        saved = [a.copy() for a in (x, *ws, mask)]
        try:
            out, args, kwargs = solution.grouped_query_attention.with_inputs(x, *ws, H, G, mask=mask)
        except SolutionRaised:
            if mask is dead_row:
                continue  # a solution that cannot handle a dead row fails the masking tests, not this one
            raise
        try:
            for name, after, before in zip(names, (*args[:5], kwargs["mask"]), saved):
                assert_unchanged(after, before, name, case)
        except AssertionError as e:
            raise AssertionError(str(e) + values_also_wrong(
                out, expected_output(saved[0], saved[1:5], H, G, mask=saved[5]), F64)) from None


@pytest.mark.category("errors")
def test_num_kv_heads_must_divide_num_heads(solution, seed):
    for H, G in ((6, 4), (4, 8), (3, 2)):
        x, ws = make_inputs(seed(15), H, G)
        with pytest.raises(ValueError):
            call(solution, x, ws, H, G)
            raise AssertionError(f"no ValueError for num_heads={H}, num_kv_heads={G} "
                                 f"(num_heads % num_kv_heads = {H % G}), seed {seed(15)}")
