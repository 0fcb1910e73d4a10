"""Hidden tests of the kv_cache level `sliding_window` (both frameworks): SlidingWindowCache,
sliding_prefill and sliding_decode_step.

What is compared, and why:
- The cache as a container: after single-token and block appends (blocks longer than the window and
  blocks that wrap around the ring included), get() holds exactly the last min(appended, window)
  tokens, oldest first, and len() counts them; values are cast to the cache's dtype (exact).
- Memory O(window): 48 MB of keys and values go through a cache of window 64 while the worker's
  resident memory grows by at most 30 MB (read in the worker: toys/kv_cache.py's ResidentMemory).
- sliding_prefill / sliding_decode_step against sliding-window causal multi-head attention over the
  whole sequence (query t sees keys t - window + 1 .. t), computed by the float64 reference
  (graders/keys/kv_cache/levels/sliding_window/reference.py, checked against torch's
  scaled_dot_product_attention with a window mask in its test_oracle.py), call by call, for chunks
  shorter and longer than the window and chunks that wrap around it.
- The past is read only from the cache: a cache filled with append() serves both functions.
- Errors: window < 1, and k/v of different shapes (nothing stored). Dtypes and side effects as the kata.

Tolerances are the kata's (katas/kv_cache/test_kv_cache.py), for the same arithmetic over fewer keys:
F64 rtol 1e-9 atol 1e-12; F64_LARGE (x scaled by 30) rtol 1e-9 atol 1e-9; F32 rtol 1e-5 atol 1e-5.
Measured over 150 random cases (H 1-4, d_head 1-6, window 1-6, 1-15 tokens fed as random mixes of
prefill chunks and decode steps) for the reference and the alternatives of both frameworks (deque and
Python loops, a re-cut buffer computing in float32, a ring unrolled with roll): F64 <= 3.6e-15,
F64_LARGE <= 6.7e-11, float64 inputs with a float32 cache <= 4.6e-7, all float32 <= 3.8e-6 absolute
(0.38 of F32's atol).
"""

import math
from contextlib import contextmanager

import numpy as np
import pytest

from graders.check import as_array, assert_close, assert_dtype, assert_equal, assert_shape, assert_unchanged, classic_cause
from graders.keys.kv_cache.levels.sliding_window import reference as ref

F64 = dict(rtol=1e-9, atol=1e-12)
F32 = dict(rtol=1e-5, atol=1e-5)
F64_LARGE = dict(rtol=1e-9, atol=1e-9)
H, D_HEAD = 3, 4            # d_head != H and d_model = 12 != d_head: a wrong scale or head split shows
D_MODEL = H * D_HEAD
MEMORY_GROWTH_LIMIT_MB = 30


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


def windowed_attention(x, weights, window, num_heads=H):
    """Sliding-window causal multi-head attention over the whole sequence x (T, d_model), in float64:
    the reference's prefill of all of x into an empty float64 cache. Row t is what position t outputs."""
    T, d_model = x.shape
    cache = ref.SlidingWindowCache(window, num_heads, d_model // num_heads, dtype=np.float64)
    return ref.sliding_prefill(x.astype(np.float64), *(w.astype(np.float64) for w in weights), cache, num_heads)


def describe(plan):
    """(5, "d", "d") -> 'prefill 5, decode, decode'."""
    return ", ".join("decode" if step == "d" else f"prefill {step}" for step in plan)


def run_plan(solution, cache, x, weights, window, plan, case, tol=F64, num_heads=H):
    """Feed x through the solution's cache of `window`: an int n in `plan` prefills the next n tokens,
    "d" is one decode step. Each call's shape and values (against sliding-window attention over x) are
    checked as they come, and len(cache) = min(tokens so far, window) after each call."""
    expected = windowed_attention(x, weights, window, num_heads)          # (T, d_model)
    d_model, pos = x.shape[1], 0
    for step in plan:
        if step == "d":
            what = f"sliding_decode_step of position {pos} ({case})"
            out = assert_shape(solution.sliding_decode_step(x[pos], *weights, cache, num_heads), (d_model,),
                               what + ", a (d_model,) vector")
            want, pos = expected[pos], pos + 1
        else:
            what = f"sliding_prefill of positions {pos}..{pos + step - 1} ({case})"
            out = assert_shape(solution.sliding_prefill(x[pos:pos + step], *weights, cache, num_heads),
                               (step, d_model), what + ", (T, d_model)")
            want, pos = expected[pos:pos + step], pos + step
            what += f" (row i is position {pos - step} + i; it sees positions i - {window - 1} .. i)"
        assert_close(out, want, what, **tol)
        assert_len(cache, min(pos, window), f"after the {what}")
    return cache


# -- reading the cache ----------------------------------------------------------------------------

def assert_len(cache, expected, case):
    got = len(cache)
    if got != expected:
        raise AssertionError(f"len(cache) is {got} {case}; expected {expected} (the number of tokens stored: "
                             "min(tokens appended, window))")


def get_kv(cache, case):
    """cache.get() as two arrays (K, V)."""
    got = cache.get()
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise AssertionError(f"cache.get() returned {type(got).__name__} {case}; expected a (K, V) pair")
    return as_array(got[0], case, "a K array"), as_array(got[1], case, "a V array")


def assert_holds(cache, K, V, case):
    """The cache holds exactly these keys and values, oldest first: len(K) tokens, equal once cast to K's dtype."""
    assert_len(cache, len(K), case)
    got_K, got_V = get_kv(cache, case)
    for name, got, want in (("K", got_K, K), ("V", got_V, V)):
        assert_shape(got, want.shape, f"the {name} from cache.get() {case} (len, H, d_head): the last tokens only")
        assert_equal(got.astype(want.dtype), want, f"the {name} from cache.get() {case} (the last tokens "
                     "appended, oldest first, whatever ring slot they sit in)")


@pytest.fixture
def float64(make, framework):
    """The attempt's float64 dtype (np.float64 or torch.float64), built in the worker, for
    `SlidingWindowCache(..., dtype=float64)` (see graders/kataworker/toys/kv_cache.py)."""
    return make("toys.kv_cache:float_dtype", "float64", framework)


# -- the cache as a container ---------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_single_appends_keep_the_last_window_tokens(solution, float64, seed):
    K, V = make_kv(seed(1), 11)
    cache = solution.SlidingWindowCache(4, H, D_HEAD, dtype=float64)
    for t in range(11):
        cache.append(K[t], V[t])                                         # one token: (H, d_head)
        first = max(0, t + 1 - 4)
        assert_holds(cache, K[first:t + 1], V[first:t + 1],
                     f"after {t + 1} single-token appends to a cache of window 4, seed {seed(1)}")


@pytest.mark.category("edge-case")
def test_blocks_wrap_around_and_can_be_longer_than_the_window(solution, float64, seed):
    K, V = make_kv(seed(2), 31)
    cache = solution.SlidingWindowCache(5, H, D_HEAD, dtype=float64)
    done, steps = 0, []
    for n in (3, 4, None, 2, 7, 5, 1, 8):                                # None: one (H, d_head) token
        k, v = (K[done], V[done]) if n is None else (K[done:done + n], V[done:done + n])
        cache.append(k, v)
        done += 1 if n is None else n
        steps.append("(H, d_head)" if n is None else f"({n}, H, d_head)")
        first = max(0, done - 5)
        assert_holds(cache, K[first:done], V[first:done],
                     f"after appends of {', '.join(steps)} to a cache of window 5, seed {seed(2)}")


@pytest.mark.category("shapes")
def test_a_new_cache_is_empty(solution, float64):
    cache = solution.SlidingWindowCache(6, H, D_HEAD, dtype=float64)
    assert_len(cache, 0, "for a new cache")
    for name, got in zip("KV", get_kv(cache, "of a new cache")):
        assert_shape(got, (0, H, D_HEAD), f"the {name} of a new cache (window 6): nothing appended yet")


@pytest.mark.category("edge-case")
def test_two_caches_do_not_share_storage(solution, float64, seed):
    K, V = make_kv(seed(3), 3)
    a = solution.SlidingWindowCache(2, H, D_HEAD, dtype=float64)
    b = solution.SlidingWindowCache(2, H, D_HEAD, dtype=float64)
    a.append(K[:2], V[:2])
    b.append(K[2], V[2])
    assert_holds(a, K[:2], V[:2], "for cache a (2 tokens appended) after appending 1 token to another cache b")
    assert_holds(b, K[2:], V[2:], "for cache b (1 token appended) after appending 2 tokens to another cache a")


@contextmanager
def values_after_a_right_dtype():
    """Once a dtype test has found the dtype right, a value mismatch says where to look."""
    try:
        yield
    except AssertionError as e:
        raise AssertionError(f"the dtype is right but the values are wrong too (see the correctness tests): {e}") from None


@pytest.mark.category("dtype")
def test_cache_stores_in_its_own_dtype(solution, float64, seed):
    K, V = make_kv(seed(4), 7)                                           # float64 keys and values
    cache = solution.SlidingWindowCache(4, H, D_HEAD)                    # dtype omitted: float32
    cache.append(K[:5], V[:5])
    cache.append(K[5], V[5])
    for name, got, want in zip("KV", get_kv(cache, "of a default cache"), (K[2:6], V[2:6])):
        assert_dtype(got, np.float32, f"the {name} of SlidingWindowCache(window, H, d_head) (default dtype "
                     "float32) after appending float64 k and v")
        with values_after_a_right_dtype():
            assert_equal(got, want.astype(np.float32), f"the {name} of a default float32 cache of window 4 after "
                         "6 tokens (float64 values rounded to float32)")
    cache = solution.SlidingWindowCache(4, H, D_HEAD, dtype=float64)
    cache.append(K[:2].astype(np.float32), V[:2].astype(np.float32))
    cache.append(K[2:7], V[2:7])
    for name, got in zip("KV", get_kv(cache, "of a float64 cache")):
        assert_dtype(got, np.float64, f"the {name} of SlidingWindowCache(..., dtype=float64) after appending "
                     "float32 then float64 k and v")


# -- errors ---------------------------------------------------------------------------------------

@pytest.mark.category("errors")
def test_a_window_below_one_raises(solution):
    for window in (0, -3):
        with pytest.raises(ValueError):
            solution.SlidingWindowCache(window, H, D_HEAD)
            raise AssertionError(f"no ValueError for SlidingWindowCache({window}, {H}, {D_HEAD}): a window holds at "
                                 "least the token itself")


@pytest.mark.category("errors")
def test_mismatched_k_and_v_raise_and_store_nothing(solution, float64, seed):
    K, V = make_kv(seed(5), 9)
    cache = solution.SlidingWindowCache(4, H, D_HEAD, dtype=float64)
    cache.append(K[:3], V[:3])
    for k, v, what in ((K[3:6], V[3:5], "k of 3 tokens with v of 2"), (K[3:5], V[3], "k (2, H, d_head) with v (H, d_head)"),
                       (K[3:5, :2], V[3:5, :2], f"k and v of 2 heads to a cache of {H}")):
        with pytest.raises(ValueError):
            cache.append(k, v)
            raise AssertionError(f"no ValueError for appending {what}")
        assert_holds(cache, K[:3], V[:3], f"after appending {what} raised (nothing may be stored, nothing evicted)")


# -- memory ---------------------------------------------------------------------------------------

@pytest.mark.category("memory")
def test_memory_stays_within_the_window(solution, make, seed):
    # 12 appends of the same 2048-token float64 block (8 heads of 32): 2 MB of K and 2 MB of V once cast
    # to the default float32, 48 MB in all, through a cache of window 64 (128 KB of K and V). The
    # worker's resident memory may grow by at most 30 MB: a cache that keeps every token, or grows a
    # buffer and slices its last 64, holds 48 MB more. Measured (RSS after minus before the 12 appends):
    # the reference and the alternatives of both frameworks -5 to +12 MB (the 12 MB, the same for every
    # NumPy one, is the worker's handling of the 8 MB request); the two mutants that keep every token
    # +58 and +63 MB. A few appends of large blocks, because a cache grown by torch.cat copies all it
    # holds on every append (quadratic: the test stays ~2 s for it).
    K, V = make_kv(seed(6), 2048, 8, 32)
    memory = make("toys.kv_cache:ResidentMemory")
    cache = solution.SlidingWindowCache(64, 8, 32)
    cache.append.repeat(2, K, V)                                         # warm-up: the buffers exist
    before = memory.megabytes()
    cache.append.repeat(12, K, V)
    grown = memory.megabytes() - before
    case = "12 appends of a (2048, 8, 32) float64 block (48 MB once cast to float32) to a float32 cache of window 64"
    if grown > MEMORY_GROWTH_LIMIT_MB:
        raise AssertionError(f"the worker's resident memory grew by {grown:.0f} MB over {case}; a cache of window 64 "
                             f"holds 128 KB of K and V (limit {MEMORY_GROWTH_LIMIT_MB} MB of growth). Keep only the "
                             "last `window` tokens: a buffer of window slots written in a ring, never a growing "
                             "list or array")
    assert_holds(cache, K[-64:].astype(np.float32), V[-64:].astype(np.float32), f"after {case}")


# -- sliding_prefill and sliding_decode_step against windowed attention ---------------------------

@pytest.mark.category("correctness")
def test_prefill_equals_windowed_attention(solution, float64, seed):
    # Prompts shorter than, as long as and longer than the window; window 1 sees only the token itself.
    for case_seed, T, window, num_heads, d_head in ((10, 3, 5, 3, 4), (11, 5, 5, 3, 4), (12, 9, 4, 3, 4),
                                                    (13, 11, 3, 2, 5), (14, 6, 1, 4, 2)):
        x, weights = make_problem(seed(case_seed), T, num_heads, d_head)
        cache = solution.SlidingWindowCache(window, num_heads, d_head, dtype=float64)
        run_plan(solution, cache, x, weights, window, (T,), f"a {T}-token prompt, window {window}, H={num_heads}, "
                 f"d_head={d_head}, empty float64 cache, seed {seed(case_seed)}", num_heads=num_heads)


@pytest.mark.category("correctness")
def test_prefill_then_decode_equals_windowed_attention(solution, float64, seed):
    for case_seed, prompt, window, num_heads, d_head in ((20, 1, 4, 3, 4), (21, 3, 4, 3, 4), (22, 6, 3, 2, 6),
                                                         (23, 2, 1, 4, 3)):
        x, weights = make_problem(seed(case_seed), 12, num_heads, d_head)
        plan = (prompt,) + ("d",) * (12 - prompt)
        cache = solution.SlidingWindowCache(window, num_heads, d_head, dtype=float64)
        run_plan(solution, cache, x, weights, window, plan, f"{describe(plan[:2])} ... to 12 tokens, window {window}, "
                 f"H={num_heads}, d_head={d_head}, seed {seed(case_seed)}", num_heads=num_heads)


@pytest.mark.category("masking")
def test_chunked_prefill_across_the_wrap_around(solution, float64, seed):
    # A chunk's token i sits at position past + i: it sees the cached tokens still in its window and
    # the chunk's tokens up to itself. A chunk evicts cached keys its own first tokens still need, and
    # a chunk longer than the window evicts some of its own: read the cache before appending.
    plans = ((3, 4, 2, 5), (2, "d", 6, "d", "d", 3), (1, 1, 1, 1, 1, 1, 1), (5, 5, 5), (4, 9, "d", 2))
    for case_seed, plan in enumerate(plans, start=30):
        T = sum(1 if step == "d" else step for step in plan)
        x, weights = make_problem(seed(case_seed), T)
        cache = solution.SlidingWindowCache(5, H, D_HEAD, dtype=float64)
        run_plan(solution, cache, x, weights, 5, plan, f"{describe(plan)}, window 5, seed {seed(case_seed)}")


@pytest.mark.category("correctness")
def test_the_past_is_read_from_the_cache(solution, float64, seed):
    # 7 random tokens appended to a cache of window 4: it holds the last 4, and they are the whole
    # past. A solution that keeps x and recomputes K/V cannot serve this cache.
    K, V = make_kv(seed(40), 7)
    x, weights = make_problem(seed(40), 4)
    cache = solution.SlidingWindowCache(4, H, D_HEAD, dtype=float64)
    cache.append(K, V)
    expected_cache = ref.SlidingWindowCache(4, H, D_HEAD, dtype=np.float64)
    expected_cache.append(K, V)
    case = f"a cache of window 4 fed 7 random tokens with append(), seed {seed(40)}"
    out = assert_shape(solution.sliding_decode_step(x[0], *weights, cache, H), (D_MODEL,),
                       f"sliding_decode_step after {case}")
    assert_close(out, ref.sliding_decode_step(x[0], *weights, expected_cache, H), f"sliding_decode_step after {case}",
                 **F64)
    out = assert_shape(solution.sliding_prefill(x[1:4], *weights, cache, H), (3, D_MODEL),
                       f"a 3-token sliding_prefill after {case}")
    assert_close(out, ref.sliding_prefill(x[1:4], *weights, expected_cache, H),
                 f"a 3-token sliding_prefill after {case} and one decode step", **F64)
    assert_len(cache, 4, f"after a decode step and a 3-token prefill on {case}")


@pytest.mark.category("numerical-stability")
def test_large_scores_do_not_overflow(solution, float64, seed):
    # x scaled by 30: scores reach a few thousand; exp overflows unless each row's max is subtracted.
    x, weights = make_problem(seed(50), 10, x_scale=30.0)
    cache = solution.SlidingWindowCache(4, H, D_HEAD, dtype=float64)
    with classic_cause("exp of scores in the thousands overflows: subtract each row's max before exp"):
        run_plan(solution, cache, x, weights, 4, (6, "d", "d", 2), f"x scaled by 30 (scores ~1e3), window 4, "
                 f"seed {seed(50)}", tol=F64_LARGE)


# -- dtypes and side effects ----------------------------------------------------------------------

def check_dtype_plan(solution, cache, x, weights, window, plan, dtype, case):
    """Run the plan, checking each output's dtype first, then its values at float32 tolerance."""
    expected = windowed_attention(x, weights, window)
    pos = 0
    for step in plan:
        n = 1 if step == "d" else step
        if step == "d":
            what = f"sliding_decode_step of position {pos} ({case})"
            out = solution.sliding_decode_step(x[pos], *weights, cache, H)
            want = expected[pos]
        else:
            what = f"sliding_prefill of positions {pos}..{pos + n - 1} ({case})"
            out = solution.sliding_prefill(x[pos:pos + n], *weights, cache, H)
            want = expected[pos:pos + n]
        assert_dtype(out, dtype, what)
        with values_after_a_right_dtype():
            assert_close(out, want, what, **F32)
        pos += n


@pytest.mark.category("dtype")
def test_float32_in_float32_out(solution, seed):
    x, weights = make_problem(seed(70), 9, dtype=np.float32)
    check_dtype_plan(solution, solution.SlidingWindowCache(4, H, D_HEAD), x, weights, 4, (5, "d", 2, "d"), np.float32,
                     f"float32 x and weights, default float32 cache of window 4, seed {seed(70)}")


@pytest.mark.category("dtype")
def test_float64_inputs_with_the_default_float32_cache(solution, seed):
    x, weights = make_problem(seed(71), 9)
    check_dtype_plan(solution, solution.SlidingWindowCache(4, H, D_HEAD), x, weights, 4, (5, "d", 2, "d"), np.float64,
                     f"float64 x and weights, default float32 cache of window 4, seed {seed(71)}")


@pytest.mark.category("side-effects")
def test_inputs_are_not_modified(solution, float64, seed):
    x, weights = make_problem(seed(80), 7)
    names = ("x", "w_q", "w_k", "w_v", "w_o")
    cache = solution.SlidingWindowCache(3, H, D_HEAD, dtype=float64)
    for what, fn, x_part in (("sliding_prefill of 5 tokens", solution.sliding_prefill, x[:5]),
                             ("sliding_decode_step", solution.sliding_decode_step, x[5])):
        inputs = (x_part, *weights)
        saved = [a.copy() for a in inputs]
        _, args, _ = fn.with_inputs(*inputs, cache, H)
        for name, after, before in zip(names, args, saved):
            assert_unchanged(after, before, name, f"a {what}, window 3, seed {seed(80)}")
    K, V = make_kv(seed(80), 5)
    saved = K.copy(), V.copy()
    _, args, _ = cache.append.with_inputs(K, V)
    assert_unchanged(args[0], saved[0], "k", f"cache.append(k, v) of 5 tokens to a cache of window 3, seed {seed(80)}")
    assert_unchanged(args[1], saved[1], "v", f"cache.append(k, v) of 5 tokens to a cache of window 3, seed {seed(80)}")
