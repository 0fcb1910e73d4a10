"""Hidden tests of the `kv_cache` kata: causal_mask, KVCache, prefill and decode_step.

What is compared, and why:
- causal_mask(T) exactly (True strictly above the diagonal, bool), T = 1 included.
- The cache as a container: what get() returns after single-token (H, d_head) and multi-token
  (n, H, d_head) appends, exactly (a float64 cache stores float64 values bit for bit; a float32
  cache stores k.astype(float32), also exact); an append, prefill or decode_step that would overflow
  raises ValueError and leaves len() and get() exactly as they were.
- prefill / decode_step against causal multi-head attention over the whole sequence, computed by
  the float64 reference (graders/keys/kv_cache/reference.py, checked against torch in its
  test_oracle.py), call by call, for several prompt lengths and chunkings.
- The past is read only from the cache: a cache filled with append() must serve decode_step and
  prefill like one filled by prefill (this is what rules out "keep x, recompute K/V every step").
- A decode step costs O(len(cache)), measured as growth (see the performance test).

Tolerances (measured over 400 random cases: H 1-4, d_head 1-6, 1-12 tokens fed as random mixes of
prefill chunks and decode steps, for the reference and every correct style in
graders/keys/kv_cache/alternatives: float32 throughout, float64 inside, loops, einsum):
  F64, float64 inputs and a float64 cache -> rtol 1e-9, atol 1e-12: correct styles differ only in
       summation order; measured <= 6e-15 absolute on outputs of size ~1.
  F64_LARGE, the same with x scaled by 30 (scores ~1e3, outputs ~50) -> rtol 1e-9, atol 1e-9:
       rounding scales with the scores; measured <= 6e-11 absolute.
  F32, any float32 involved (float32 inputs, or float64 inputs with the default float32 cache)
       -> rtol 1e-5, atol 1e-5: rounding K/V, or everything, to float32 (eps 6e-8) measured at
       <= 3.3e-6 absolute, at most 0.15 of the tolerance.
  The same 400 cases through the PyTorch key (graders/keys/kv_cache/torch: the reference and its
  alternatives, float32 inside among them): F64 <= 1.2e-14, F64_LARGE <= 1.2e-11, F32 <= 4.4e-6
  absolute (0.16 of the tolerance).
  Every value bug among the mutants is off by more than 0.1, but for the PyTorch scale computed as
  the float32 sqrt of an int tensor (off by 1e-8 to 1e-7 where d_head is not a square: 80-3500x F64).

The same tests grade the PyTorch attempt: the worker hands it tensors, and the `float64` fixture
gives it torch.float64 for `KVCache(..., dtype=...)`.
"""

import math
from contextlib import contextmanager

import numpy as np
import pytest

from graders.check import as_array, assert_close, assert_dtype, assert_equal, assert_shape, assert_unchanged, classic_cause
from graders.keys.kv_cache import reference as ref

F64 = dict(rtol=1e-9, atol=1e-12)
F32 = dict(rtol=1e-5, atol=1e-5)
F64_LARGE = dict(rtol=1e-9, atol=1e-9)
H, D_HEAD = 3, 4            # d_head != H and d_model = 12 != d_head: a wrong scale or head split shows
D_MODEL = H * D_HEAD


# -- inputs and expected values -------------------------------------------------------------------

def make_problem(seed, T, num_heads=H, d_head=D_HEAD, dtype=np.float64, x_scale=1.0):
    """x (T, d_model) and weights (w_q, w_k, w_v, w_o), each (d_model, d_model); scores come out O(1)."""
    rng = np.random.default_rng(seed)
    d_model = num_heads * d_head
    x = (x_scale * rng.standard_normal((T, d_model))).astype(dtype)
    weights = tuple((1.5 * rng.standard_normal((d_model, d_model)) / math.sqrt(d_model)).astype(dtype)
                    for _ in range(4))
    return x, weights


def make_kv(seed, n, num_heads=H, d_head=D_HEAD, dtype=np.float64):
    """Random keys and values for n tokens, (n, H, d_head) each."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, num_heads, d_head)).astype(dtype),
            rng.standard_normal((n, num_heads, d_head)).astype(dtype))


def full_attention(x, weights, num_heads=H):
    """Causal multi-head attention over the whole sequence x (T, d_model), in float64: the
    reference's prefill of all of x into an empty float64 cache. Row t is what position t outputs."""
    T, d_model = x.shape
    cache = ref.KVCache(T, num_heads, d_model // num_heads, dtype=np.float64)
    return ref.prefill(x.astype(np.float64), *(w.astype(np.float64) for w in weights), cache, num_heads)


def describe(plan):
    """(5, "d", "d") -> 'prefill 5, decode, decode'."""
    return ", ".join("decode" if step == "d" else f"prefill {step}" for step in plan)


def run_plan(solution, cache, x, weights, plan, case, tol=F64, num_heads=H, start=0):
    """Feed x[start:] through the solution's cache (which holds x[:start]): an int n in `plan`
    prefills the next n tokens, "d" is one decode step. Each call's shape and values (against full
    causal attention over x; not checked when tol is None) are checked as they come, and len(cache)
    after each prefill and at the end."""
    expected = full_attention(x, weights, num_heads)                     # (T, d_model)
    d_model, pos = x.shape[1], start
    end = start + sum(1 if step == "d" else step for step in plan)
    for step in plan:
        if step == "d":
            what = f"decode_step of position {pos} ({case})"
            out = assert_shape(solution.decode_step(x[pos], *weights, cache, num_heads), (d_model,),
                               what + ", a (d_model,) vector")
            want, pos = expected[pos], pos + 1
        else:
            what = f"prefill of positions {pos}..{pos + step - 1} ({case})"
            out = assert_shape(solution.prefill(x[pos:pos + step], *weights, cache, num_heads), (step, d_model),
                               what + ", (T, d_model)")
            want, pos = expected[pos:pos + step], pos + step
            what += f" (row i is position {pos - step} + i)"
        if tol is not None:
            assert_close(out, want, what, **tol)
        if step != "d" or pos == end:
            assert_len(cache, pos, f"after the {what}")
    return cache


# -- reading the cache ----------------------------------------------------------------------------

def assert_len(cache, expected, case):
    got = len(cache)
    if got != expected:
        raise AssertionError(f"len(cache) is {got} {case}; expected {expected} (the number of tokens stored)")


def get_kv(cache, case):
    """cache.get() as two arrays (K, V)."""
    got = cache.get()
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise AssertionError(f"cache.get() returned {type(got).__name__} {case}; expected a (K, V) pair")
    return as_array(got[0], case, "a K array"), as_array(got[1], case, "a V array")


def assert_holds(cache, K, V, case):
    """The cache holds exactly these keys and values: len(K) tokens, values equal once cast to K's dtype."""
    assert_len(cache, len(K), case)
    got_K, got_V = get_kv(cache, case)
    for name, got, want in (("K", got_K, K), ("V", got_V, V)):
        assert_shape(got, want.shape, f"the {name} from cache.get() {case} (len, H, d_head), only what was appended")
        assert_equal(got.astype(want.dtype), want, f"the {name} from cache.get() {case}")


def snapshot(cache, case):
    K, V = get_kv(cache, case)
    return len(cache), K.copy(), V.copy()


def assert_unchanged_cache(cache, saved, case):
    """len() and get() exactly as they were before a call that raised."""
    length, K, V = saved
    got_len = len(cache)
    if got_len != length:
        raise AssertionError(f"len(cache) went from {length} to {got_len} {case}; an overflow must leave the cache "
                             "as it was (check the room left before storing anything)")
    got_K, got_V = get_kv(cache, case)
    for name, got, want in (("K", got_K, K), ("V", got_V, V)):
        if got.shape != want.shape or not np.array_equal(got, want):
            raise AssertionError(f"the cache's {name} changed {case} (shape {want.shape} -> {got.shape}); an overflow "
                                 "must leave the cache as it was")


@pytest.fixture
def float64(make, framework):
    """The attempt's float64 dtype (np.float64, or torch.float64 for a PyTorch attempt), built in the
    worker, for `KVCache(..., dtype=float64)`: the wire carries arrays and plain data, not dtypes
    (see graders/kataworker/toys/kv_cache.py)."""
    return make("toys.kv_cache:float_dtype", "float64", framework)


# -- causal_mask ----------------------------------------------------------------------------------

@pytest.mark.category("masking")
def test_causal_mask_is_true_strictly_above_the_diagonal(solution):
    for T in (1, 2, 3, 7):
        case = f"causal_mask({T})"
        mask = assert_shape(solution.causal_mask(T), (T, T), case)
        if mask.dtype.kind not in "biuf" or not np.isin(mask, (0, 1)).all():
            raise AssertionError(f"{case} holds values other than True/False: {np.unique(mask)[:5]}")
        assert_equal(mask.astype(bool), np.triu(np.ones((T, T), dtype=bool), k=1),
                     f"{case}: True where query i may NOT attend to key j, i.e. j > i (the diagonal is False)")


@pytest.mark.category("dtype")
def test_causal_mask_is_bool(solution):
    for T in (1, 5):
        assert_dtype(solution.causal_mask(T), np.bool_, f"causal_mask({T})")


# -- KVCache as a container -----------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_append_one_token_at_a_time(solution, float64, seed):
    K, V = make_kv(seed(1), 4)                                           # (4, H, d_head)
    cache = solution.KVCache(6, H, D_HEAD, dtype=float64)
    for t in range(4):
        cache.append(K[t], V[t])                                         # one token: (H, d_head)
        assert_holds(cache, K[:t + 1], V[:t + 1], f"after {t + 1} single-token appends of (H, d_head), seed {seed(1)}")


@pytest.mark.category("correctness")
def test_append_blocks_of_tokens(solution, float64, seed):
    K, V = make_kv(seed(2), 10)
    cache = solution.KVCache(12, H, D_HEAD, dtype=float64)
    done, steps = 0, []
    for n in (4, 1, None, H, 2):                                         # None: one (H, d_head) token
        k, v = (K[done], V[done]) if n is None else (K[done:done + n], V[done:done + n])
        cache.append(k, v)
        done += 1 if n is None else n
        steps.append("(H, d_head)" if n is None else f"({n}, H, d_head)")
        assert_holds(cache, K[:done], V[:done], f"after appends of {', '.join(steps)}, seed {seed(2)}")


@pytest.mark.category("shapes")
def test_get_returns_only_what_was_appended(solution, float64, seed):
    cache = solution.KVCache(10, H, D_HEAD, dtype=float64)
    assert_len(cache, 0, "for a new cache")
    for name, got in zip("KV", get_kv(cache, "of a new cache")):
        assert_shape(got, (0, H, D_HEAD), f"the {name} of a new cache (max_len 10): nothing appended yet")
    K, V = make_kv(seed(3), 3)
    cache.append(K, V)
    for name, got in zip("KV", get_kv(cache, "after appending 3 tokens")):
        assert_shape(got, (3, H, D_HEAD), f"the {name} after appending 3 tokens to a cache of max_len 10 "
                     "(only what was appended, not the preallocated buffer)")


@pytest.mark.category("edge-case")
def test_two_caches_do_not_share_storage(solution, float64, seed):
    K, V = make_kv(seed(4), 3)
    a = solution.KVCache(5, H, D_HEAD, dtype=float64)
    b = solution.KVCache(5, H, D_HEAD, dtype=float64)
    a.append(K[:2], V[:2])
    b.append(K[2], V[2])
    assert_holds(a, K[:2], V[:2], "for cache a (2 tokens appended) after appending 1 token to another cache b")
    assert_holds(b, K[2:], V[2:], "for cache b (1 token appended) after appending 2 tokens to another cache a")


@pytest.mark.category("dtype")
def test_cache_stores_in_its_own_dtype(solution, float64, seed):
    K, V = make_kv(seed(5), 3)                                           # float64 keys and values
    cache = solution.KVCache(4, H, D_HEAD)                               # dtype omitted: float32
    cache.append(K[:2], V[:2])
    cache.append(K[2], V[2])
    for name, got, want in zip("KV", get_kv(cache, "of a default cache"), (K, V)):
        assert_dtype(got, np.float32, f"the {name} of KVCache(max_len, H, d_head) (default dtype float32) "
                     "after appending float64 k and v")
        with values_after_a_right_dtype():
            assert_equal(got, want.astype(np.float32), f"the {name} of a default float32 cache (float64 values "
                         "rounded to float32)")
    cache = solution.KVCache(4, H, D_HEAD, dtype=float64)
    cache.append(K[:2].astype(np.float32), V[:2].astype(np.float32))
    cache.append(K[2], V[2])
    for name, got in zip("KV", get_kv(cache, "of a float64 cache")):
        assert_dtype(got, np.float64, f"the {name} of KVCache(..., dtype=np.float64) after appending float32 "
                     "then float64 k and v")


# -- overflow -------------------------------------------------------------------------------------

@pytest.mark.category("errors")
def test_append_past_max_len_raises_and_keeps_the_cache(solution, float64, seed):
    K, V = make_kv(seed(6), 9)
    cache = solution.KVCache(5, H, D_HEAD, dtype=float64)
    cache.append(K[:3], V[:3])
    for k, v, what in ((K[3:6], V[3:6], "3 tokens to a cache holding 3 of max_len 5"),
                       (K[3:9], V[3:9], "6 tokens to a cache holding 3 of max_len 5")):
        saved = snapshot(cache, "before the overflow")
        with pytest.raises(ValueError):
            cache.append(k, v)
            raise AssertionError(f"no ValueError for appending {what}")
        assert_unchanged_cache(cache, saved, f"after appending {what} raised")
    cache.append(K[3:5], V[3:5])                                         # exactly full: allowed
    assert_holds(cache, K[:5], V[:5], "after filling a cache of max_len 5 exactly (3 then 2 tokens)")
    for k, v, what in ((K[5], V[5], "one (H, d_head) token to a full cache (5 of 5)"),
                       (K[5:6], V[5:6], "a (1, H, d_head) block to a full cache (5 of 5)")):
        saved = snapshot(cache, "before the overflow")
        with pytest.raises(ValueError):
            cache.append(k, v)
            raise AssertionError(f"no ValueError for appending {what}")
        assert_unchanged_cache(cache, saved, f"after appending {what} raised")


@pytest.mark.category("errors")
def test_prefill_that_would_overflow_raises_and_keeps_the_cache(solution, float64, seed):
    x, weights = make_problem(seed(7), 12)
    cache = solution.KVCache(8, H, D_HEAD, dtype=float64)
    run_plan(solution, cache, x[:8], weights, (5,), f"seed {seed(7)}, max_len 8", tol=None)
    saved = snapshot(cache, "before the overflow")
    with pytest.raises(ValueError):
        solution.prefill(x[5:9], *weights, cache, H)
        raise AssertionError("no ValueError for a prefill of 4 tokens into a cache holding 5 of max_len 8")
    assert_unchanged_cache(cache, saved, "after a prefill of 4 tokens into a cache holding 5 of 8 raised "
                           "(it must not store the tokens that fit)")
    run_plan(solution, cache, x[:8], weights, (3,), f"seed {seed(7)}, max_len 8: 3 tokens fill it exactly after the "
             "overflowing prefill raised", tol=None, start=5)


@pytest.mark.category("errors")
def test_decode_step_on_a_full_cache_raises_and_keeps_the_cache(solution, float64, seed):
    x, weights = make_problem(seed(8), 5)
    cache = solution.KVCache(4, H, D_HEAD, dtype=float64)
    run_plan(solution, cache, x[:4], weights, (3, "d"), f"seed {seed(8)}, max_len 4", tol=None)
    saved = snapshot(cache, "before the overflow")
    with pytest.raises(ValueError):
        solution.decode_step(x[4], *weights, cache, H)
        raise AssertionError("no ValueError for a decode_step on a full cache (4 of max_len 4)")
    assert_unchanged_cache(cache, saved, "after a decode_step on a full cache (4 of 4) raised")


@pytest.mark.category("edge-case")
def test_filling_the_cache_exactly_to_max_len(solution, float64, seed):
    x, weights = make_problem(seed(9), 6)
    run_plan(solution, solution.KVCache(6, H, D_HEAD, dtype=float64), x, weights, (6,),
             f"seed {seed(9)}: a prompt as long as max_len 6", tol=None)
    run_plan(solution, solution.KVCache(6, H, D_HEAD, dtype=float64), x, weights, (4, "d", "d"),
             f"seed {seed(9)}: decode steps up to max_len 6", tol=None)
    K, V = make_kv(seed(9), 6)
    cache = solution.KVCache(6, H, D_HEAD, dtype=float64)
    cache.append(K[:5], V[:5])
    cache.append(K[5], V[5])
    assert_holds(cache, K, V, "after appending 5 tokens then 1 to a cache of max_len 6")


# -- prefill and decode_step against full causal attention ---------------------------------------

@pytest.mark.category("correctness")
def test_prefill_equals_causal_attention(solution, float64, seed):
    # Different head counts: head h must use columns h*d_head:(h+1)*d_head of every projection.
    for case_seed, T, num_heads, d_head in ((10, 1, 3, 4), (11, 2, 3, 4), (12, 7, 3, 4), (13, 9, 2, 5), (14, 6, 4, 2)):
        x, weights = make_problem(seed(case_seed), T, num_heads, d_head)
        cache = solution.KVCache(T + 2, num_heads, d_head, dtype=float64)
        run_plan(solution, cache, x, weights, (T,), f"a {T}-token prompt, H={num_heads}, d_head={d_head}, "
                 f"empty float64 cache, seed {seed(case_seed)}", num_heads=num_heads)


@pytest.mark.category("correctness")
def test_prefill_then_decode_equals_causal_attention(solution, float64, seed):
    for case_seed, prompt, num_heads, d_head in ((20, 1, 3, 4), (21, 3, 3, 4), (22, 6, 2, 6), (23, 4, 4, 3)):
        x, weights = make_problem(seed(case_seed), 11, num_heads, d_head)
        plan = (prompt,) + ("d",) * (11 - prompt)
        cache = solution.KVCache(11, num_heads, d_head, dtype=float64)
        run_plan(solution, cache, x, weights, plan, f"{describe(plan[:2])} ... to 11 tokens, H={num_heads}, "
                 f"d_head={d_head}, seed {seed(case_seed)}", num_heads=num_heads)


@pytest.mark.category("masking")
def test_chunked_prefill_continues_the_cache(solution, float64, seed):
    # A chunk's token i sits at position past + i: it sees every cached token and the chunk's
    # tokens up to itself (the causal mask of a chunk is offset by the cache's length).
    plans = ((3, 4, 1, 5), (1, 1, 1, 1, 1), (6, 6), (2, "d", 3, "d", "d", 4))
    for case_seed, plan in enumerate(plans, start=30):
        T = sum(1 if step == "d" else step for step in plan)
        x, weights = make_problem(seed(case_seed), T)
        cache = solution.KVCache(T + 3, H, D_HEAD, dtype=float64)
        run_plan(solution, cache, x, weights, plan, f"{describe(plan)}, seed {seed(case_seed)}")


@pytest.mark.category("correctness")
def test_the_past_is_read_from_the_cache(solution, float64, seed):
    # The cache's K/V are the whole past: filled with append() instead of prefill, it must serve
    # decode_step and prefill alike. A solution that keeps x and recomputes K/V cannot.
    K, V = make_kv(seed(40), 5)
    x, weights = make_problem(seed(40), 4)
    cache = solution.KVCache(10, H, D_HEAD, dtype=float64)
    cache.append(K, V)
    expected_cache = ref.KVCache(10, H, D_HEAD, dtype=np.float64)
    expected_cache.append(K, V)
    case = f"a cache holding 5 random tokens put there with append(), seed {seed(40)}"
    out = assert_shape(solution.decode_step(x[0], *weights, cache, H), (D_MODEL,), f"decode_step after {case}")
    assert_close(out, ref.decode_step(x[0], *weights, expected_cache, H), f"decode_step after {case}", **F64)
    out = assert_shape(solution.prefill(x[1:4], *weights, cache, H), (3, D_MODEL), f"a 3-token prefill after {case}")
    assert_close(out, ref.prefill(x[1:4], *weights, expected_cache, H),
                 f"a 3-token prefill after {case} and one decode step", **F64)
    assert_len(cache, 9, f"after a decode step and a 3-token prefill on {case}")


@pytest.mark.category("numerical-stability")
def test_large_scores_do_not_overflow(solution, float64, seed):
    # x scaled by 30: scores reach a few thousand and exp(score) overflows float64 unless each
    # row's max is subtracted first; the attention weights come out nearly one-hot.
    x, weights = make_problem(seed(50), 8, x_scale=30.0)
    cache = solution.KVCache(8, H, D_HEAD, dtype=float64)
    with classic_cause("exp of scores in the thousands overflows: subtract each row's max before exp"):
        run_plan(solution, cache, x, weights, (5, "d", "d", "d"), f"x scaled by 30 (scores ~1e3), seed {seed(50)}",
                 tol=F64_LARGE)


# -- shapes and dtypes ----------------------------------------------------------------------------

@pytest.mark.category("shapes")
def test_output_shapes(solution, float64, seed):
    x, weights = make_problem(seed(60), 6, num_heads=2, d_head=5)        # d_model = 10
    cache = solution.KVCache(8, 2, 5, dtype=float64)
    assert_shape(solution.prefill(x[:1], *weights, cache, 2), (1, 10), "prefill of a 1-token prompt, d_model=10")
    assert_shape(solution.prefill(x[1:5], *weights, cache, 2), (4, 10), "prefill of 4 more tokens, d_model=10")
    assert_shape(solution.decode_step(x[5], *weights, cache, 2), (10,),
                 "decode_step of a (d_model,) token, d_model=10: a (d_model,) vector, not (1, d_model)")


@contextmanager
def values_after_a_right_dtype():
    """Once a dtype test has found the dtype right, a value mismatch says where to look."""
    try:
        yield
    except AssertionError as e:
        raise AssertionError(f"the dtype is right but the values are wrong too (see the correctness tests): {e}") from None


def check_dtype_plan(solution, cache, x, weights, plan, dtype, case):
    """Run the plan, checking each output's dtype first, then its values at float32 tolerance."""
    expected = full_attention(x, weights)
    pos = 0
    for step in plan:
        n = 1 if step == "d" else step
        if step == "d":
            what = f"decode_step of position {pos} ({case})"
            out = solution.decode_step(x[pos], *weights, cache, H)
            want = expected[pos]
        else:
            what = f"prefill of positions {pos}..{pos + n - 1} ({case})"
            out = solution.prefill(x[pos:pos + n], *weights, cache, H)
            want = expected[pos:pos + n]
        assert_dtype(out, dtype, what)
        with values_after_a_right_dtype():
            assert_close(out, want, what, **F32)
        pos += n


@pytest.mark.category("dtype")
def test_float32_in_float32_out(solution, seed):
    x, weights = make_problem(seed(70), 9, dtype=np.float32)
    cache = solution.KVCache(9, H, D_HEAD)                               # default float32 cache
    check_dtype_plan(solution, cache, x, weights, (5, "d", 2, "d"), np.float32,
                     f"float32 x and weights, default float32 cache, seed {seed(70)}")


@pytest.mark.category("dtype")
def test_float64_inputs_with_the_default_float32_cache(solution, seed):
    # The cache stores float32, but x and the weights are float64: outputs are float64, and only
    # the rounding of K and V to float32 separates them from float64 attention.
    x, weights = make_problem(seed(71), 9)
    cache = solution.KVCache(9, H, D_HEAD)
    check_dtype_plan(solution, cache, x, weights, (5, "d", 2, "d"), np.float64,
                     f"float64 x and weights, default float32 cache, seed {seed(71)}")


@pytest.mark.category("dtype")
def test_mixed_dtypes_give_the_result_type(solution, float64, seed):
    x, weights = make_problem(seed(72), 6)
    x32, weights32 = x.astype(np.float32), tuple(w.astype(np.float32) for w in weights)
    check_dtype_plan(solution, solution.KVCache(6, H, D_HEAD), x32, weights, (4, "d", "d"), np.float64,
                     f"float32 x, float64 weights, float32 cache: np.result_type is float64, seed {seed(72)}")
    check_dtype_plan(solution, solution.KVCache(6, H, D_HEAD, dtype=float64), x32, weights32, (4, "d", "d"),
                     np.float64, f"float32 x and weights, float64 cache: np.result_type is float64, seed {seed(72)}")


# -- side effects ---------------------------------------------------------------------------------

@pytest.mark.category("side-effects")
def test_inputs_are_not_modified(solution, float64, seed):
    x, weights = make_problem(seed(80), 6)
    names = ("x", "w_q", "w_k", "w_v", "w_o")
    cache = solution.KVCache(8, H, D_HEAD, dtype=float64)
    for what, fn, x_part in (("prefill of 5 tokens", solution.prefill, x[:5]),
                             ("decode_step", solution.decode_step, x[5])):
        inputs = (x_part, *weights)
        saved = [a.copy() for a in inputs]
        _, args, _ = fn.with_inputs(*inputs, cache, H)
        for name, after, before in zip(names, args, saved):
            assert_unchanged(after, before, name, f"a {what}, seed {seed(80)}")
    K, V = make_kv(seed(80), 2)
    saved = K.copy(), V.copy()
    _, args, _ = cache.append.with_inputs(K, V)
    assert_unchanged(args[0], saved[0], "k", f"cache.append(k, v) of 2 tokens, seed {seed(80)}")
    assert_unchanged(args[1], saved[1], "v", f"cache.append(k, v) of 2 tokens, seed {seed(80)}")


# -- cost -----------------------------------------------------------------------------------------

SHORT, LONG = 384, 12288     # cache lengths, 32x apart
REPEATS = 7
GROWTH_LIMIT = 120           # a decode step may cost at most this many times more at LONG than at SHORT


@pytest.mark.category("performance")
def test_decode_step_cost_grows_linearly_with_the_cache(solution):
    """One decode step on a cache of 12288 tokens vs 384 (32x more): O(T) work grows at most ~32x
    (less, as a step has a fixed cost too); a step that builds a (T, T) array grows ~1000x, minus
    the fixed cost.

    Measured as the CPU time of the solution's sandbox during each call, read by the judge from
    outside (`solution.cpu_clock()`: no time spent waiting for a core counts, and nothing the
    solution patches or hides in a child escapes it), the two lengths interleaved, the minimum of 7
    calls each; d_model = 16 so that K/V stay in cache memory and attention itself is cheap. The
    worker's handling of each request (about 0.2-0.4 ms) is a fixed cost in both.
    Growth measured on the shared 2-core machine, 3 runs each: reference 4-11x, the correct
    alternatives 2-27x (the slowest, loops over heads and keys in Python, is purely linear: 26-27x);
    a decode step that slices its mask row out of causal_mask(T) 264-335x. The limit of 120x leaves
    about 4x above the slowest correct one and 2.2x below that mistake (measured inside the worker,
    without the fixed cost, the same were 18-26x, 4-31x and 490-560x). The PyTorch key, measured
    inside one process (no fixed cost): reference 5x, alternatives 3-6x, the same mistake ~1000x (a
    151 MB bool (T, T) tensor per step). The caches are filled with append(); that the past is read
    from the cache is checked by test_the_past_is_read_from_the_cache (which is what fails a solution that
    keeps x and recomputes K/V or the whole attention every step)."""
    num_heads, d_head = 2, 8                                             # small d_model: attention itself is cheap
    x, weights = make_problem(90, 2 * REPEATS + 2, num_heads, d_head)
    caches = {}
    for T in (SHORT, LONG):
        K, V = make_kv(90 + T, T, num_heads, d_head)
        caches[T] = solution.KVCache(T + 2 * REPEATS + 2, num_heads, d_head)
        caches[T].append(K, V)
        solution.decode_step(x[0], *weights, caches[T], num_heads)       # warm-up, through the usual path
    seconds = {SHORT: [], LONG: []}
    for i in range(REPEATS):
        for T in (SHORT, LONG):
            with solution.cpu_clock() as clock:
                solution.decode_step(x[1 + i], *weights, caches[T], num_heads)
            seconds[T].append(clock.seconds)
    short, long = min(seconds[SHORT]), min(seconds[LONG])
    growth = long / max(short, 1e-6)                                     # 1 us: below any real decode step
    if growth > GROWTH_LIMIT:
        raise AssertionError(
            f"a decode step on a cache of {LONG} tokens took {long * 1e3:.2f} ms vs {short * 1e3:.3f} ms on "
            f"{SHORT} tokens (min of {REPEATS} each): {growth:.0f}x for {LONG // SHORT}x more tokens, over the "
            f"limit of {GROWTH_LIMIT}x. A decode step must cost O(T): attend the one new query to the cached "
            "K/V, without building a (T, T) mask or recomputing attention for every position")
