"""Hidden tests of the `sampling` kata: sample(logits, temperature, top_k, top_p, rng) and beam_search.

sample is random, and how it consumes the generator is the learner's choice (rng.choice, an inverse
CDF, Gumbel-max all draw different tokens from the same seed), so no test compares a sampled token
with a fixed value for a seed. The same tests grade a PyTorch attempt unchanged: its rng is a
torch.Generator seeded with the same seed (the seam's `make`), whose tokens no test compares with a
NumPy attempt's either. Instead:
  - distributions: `solution.sample.repeat(n, ...)` draws n tokens in the worker from one seeded
    generator (built there with `make`); the counts are compared with the probabilities of the
    float64 reference (`ref.distribution`, checked against torch in test_oracle.py) by a Pearson
    chi-square test. A token of probability 0 (filtered out, or a -inf logit) must never appear.
    Rejection at p < 1e-7, with expected counts >= 40 in every case: there, 1e7 simulated
    multinomials exceeded the chi-square critical value 1.2x as often as nominal at p = 1e-4 and
    1.5x at p = 1e-5, so a correct sampler fails a case with probability well under 1e-6.
    Every wrong sampler in the answer key samples a forbidden token, breaks a deterministic outcome,
    or is rejected at p < 1e-20; the closest calls are a temperature applied after the softmax
    (no effect: chi-square 114 on 5 df) and Gumbel-max with -log(u) noise (196 on 5 df, hence
    3000 draws in the plain test), against a critical value of 40.9.
  - deterministic outcomes: greedy decoding, top_k = 1, a top_p that keeps one token; all n draws
    must be that token (a variant that also keeps a token of probability >= 0.25 shows it within
    the n >= 100 draws, one picking between two tied maxima at random within n >= 50, except with
    probability < 1e-12).
beam_search runs against toy language models living in the worker (graders/kataworker/toys/
sampling.py; the `framework` fixture makes them return float64 tensors to a PyTorch attempt, the same
numbers); the judge rebuilds the same toys to compute the expected answer by exhaustive search
(a beam as wide as all hypotheses), by greedy decoding (beam_width 1), or with the reference
(intermediate widths, no eos there). Every toy is free of near ties: all partial scores differ by
> 1e-6 (test_oracle.py checks it), so tie-breaking never matters and the tokens must match exactly.
Scores are sums of at most 5 float64 log-probs of magnitude < 10: the references and the alternatives
of both keys agree exactly (measured on every case here, at every width), and another summation
order would differ by ~1e-15, so rtol 1e-9 (atol 1e-12) only absorbs rounding.
Integers may come back as Python ints, NumPy integers or 0-d integer tensors (`is_int`), in both
frameworks alike. Where finished hypotheses wait (in the beam, or aside) is left free: every eos case
here gives the same answer either way (test_oracle.py runs both kinds of beam on them).
"""

import math

import numpy as np
import pytest

from graders.check import assert_equal, assert_scalar_close, chi2_sf, classic_cause, classic_causes, summary
from graders.kataworker.toys.sampling import HashLM, ScriptedLM
from graders.keys.sampling import reference as ref

ALPHA = 1e-7              # reject a distribution at chi-square p-value below this
SCORE = dict(rtol=1e-9, atol=1e-12)
OVERFLOW = "exp() overflowed: subtract the max logit (after dividing by the temperature) before exp"
NOT_FINITE = "inf"        # torch.multinomial's RuntimeError on probabilities with inf or nan (torch does not warn)


# -- statistics helpers ---------------------------------------------------------------------------------

def is_int(value):
    """An integer as the judge receives one: a Python int, a NumPy integer, or a 0-d integer array (what a
    PyTorch attempt's 0-d integer tensor arrives as); never a bool."""
    if isinstance(value, np.ndarray):
        return value.shape == () and value.dtype.kind in "iu"
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def as_token(value, V, case):
    """A sampled token must be an int (Python or NumPy, or a 0-d integer tensor) in [0, V)."""
    if not is_int(value):
        kind = f"an array (or tensor) of shape {value.shape}" if isinstance(value, np.ndarray) else type(value).__name__
        raise AssertionError(f"sample returned {kind} ({summary(value)}) for {case}; expected an int token id "
                             "(see the dtype test)")
    if not 0 <= value < V:
        raise AssertionError(f"sample returned token {value} for {case}; expected a token id in [0, {V})")
    return int(value)


def draw(solution, make, n, logits, seed, case, **kwargs):
    """n tokens from `sample(logits, **kwargs)` with one generator seeded `seed`, advancing in the worker."""
    rng = make("numpy.random:default_rng", seed)
    out = solution.sample.repeat(n, logits, rng=rng, **kwargs)
    return np.array([as_token(t, len(logits), case) for t in out])


def describe(kwargs):
    return ", ".join(f"{k}={v}" for k, v in kwargs.items()) or "default arguments"


def assert_distribution(tokens, probs, case, seed, zero_reason="filtered out"):
    """Counts of `tokens` against the probabilities `probs` (V,): zero-probability tokens never
    appear, and a chi-square test over the others does not reject at ALPHA."""
    n, V = len(tokens), len(probs)
    counts = np.bincount(tokens, minlength=V)
    forbidden = (probs == 0) & (counts > 0)
    if forbidden.any():
        t = int(np.flatnonzero(forbidden)[0])
        raise AssertionError(f"token {t} has probability 0 ({zero_reason}) but was sampled {counts[t]} times "
                             f"in {n} draws for {case}, seed {seed}")
    support = np.flatnonzero(probs > 0)
    if support.size < 2:
        return
    expected = n * probs[support]
    residuals = (counts[support] - expected) / np.sqrt(expected)
    stat, df = float((residuals ** 2).sum()), support.size - 1
    p_value = chi2_sf(stat, df)
    if p_value < ALPHA:
        worst = np.argsort(-np.abs(residuals))[:3]
        detail = "; ".join(f"token {support[i]}: observed {counts[support[i]]}, expected {expected[i]:.1f}"
                           for i in worst)
        raise AssertionError(f"the samples do not follow the expected distribution for {case}, seed {seed}: "
                             f"chi-square {stat:.1f} on {df} df, p = {p_value:.2g} (< {ALPHA:g}) over {n} draws; "
                             f"worst tokens: {detail}")


def check_distribution(solution, make, n, logits, seed, case, zero_reason="filtered out", **kwargs):
    tokens = draw(solution, make, n, logits, seed, case, **kwargs)
    assert_distribution(tokens, ref.distribution(logits, **kwargs), case, seed, zero_reason)


def assert_always(tokens, token, case, seed, why):
    """Every draw is `token`."""
    wrong = tokens != token
    if wrong.any():
        others = {int(t): int(c) for t, c in zip(*np.unique(tokens[wrong], return_counts=True))}
        raise AssertionError(f"sampled tokens {others} (token: count) in {len(tokens)} draws for {case}, seed {seed}; "
                             f"expected token {token} every time ({why})")


def log_probs(*probs):
    return np.log(np.array(probs))


# Hand-picked logits: no ties where a filter cuts, no top_p within 0.01 of a cumulative mass.
PEAKED_6 = log_probs(0.05, 0.62, 0.08, 0.06, 0.12, 0.07)
LOGITS_6 = np.array([1.0, -0.2, 0.4, 1.8, -0.6, 0.0])                      # argmax 3
MILD_6 = np.array([0.5, 0.0, 0.3, 0.8, -0.2, 0.1])                         # softmax(2x) min 0.054
TOPK_8 = np.array([0.2, 2.0, -0.5, 0.3, -0.1, -1.2, 0.0, 1.0])             # top 3: tokens 1, 7, 3
# Probabilities sorted: .30 (1), .20 (3), .15 (6), .12 (4), .08 (2), .07 (7), .05 (0), .03 (5);
# cumulative .30 .50 .65 .77 .85 .92 .97 1: top_p 0.7 keeps 4 tokens, 0.9 keeps 6.
TOPP_8 = log_probs(0.05, 0.30, 0.08, 0.20, 0.12, 0.03, 0.15, 0.07)
MIXED_10 = np.array([1.3, -0.4, 0.8, 2.1, 0.1, -1.0, 1.7, 0.5, -0.2, 1.0])


# -- sample: distributions --------------------------------------------------------------------------------
# Each case: (logits, sample's keyword arguments, draws, rng seed, description). Expected counts are
# >= 40 everywhere (test_oracle.py checks every table here).

PLAIN_CASES = [(PEAKED_6, {}, 3000, 101, "softmax sampling of log([.05, .62, .08, .06, .12, .07])")]
TEMPERATURE_CASES = [(MILD_6, dict(temperature=0.5), 800, 102, "6 logits, softmax(logits / 0.5)"),
                     (MILD_6, dict(temperature=2.0), 400, 103, "6 logits, softmax(logits / 2)")]
TOP_K_CASES = [(TOPK_8, dict(top_k=3), 600, 104, "8 logits, the top 3 (tokens 1, 7, 3) renormalised")]
TOP_P_CASES = [(TOPP_8, dict(top_p=0.7), 600, 105, "probabilities [.05, .30, .08, .20, .12, .03, .15, .07]: "
                "the nucleus is tokens 1, 3, 6, 4 (mass 0.77)"),
               (TOPP_8, dict(top_p=0.9), 600, 106, "probabilities [.05, .30, .08, .20, .12, .03, .15, .07]: "
                "the nucleus is tokens 1, 3, 6, 4, 2, 7 (mass 0.92)")]
PIPELINE_CASES = [(MIXED_10, dict(temperature=0.8, top_k=5, top_p=0.75), 800, 107,
                   "10 logits: top-p keeps 3 of the 5 tokens top-k left at temperature 0.8")]


def check_cases(solution, make, seed, cases, zero_reason="filtered out"):
    """Each case's draws from a generator seeded seed(its rng seed): the fixture's, fresh in a [fresh] twin."""
    for logits, kwargs, n, case_seed, name in cases:
        check_distribution(solution, make, n, logits, seed(case_seed), f"{name} ({describe(kwargs)})", zero_reason,
                           **kwargs)


@pytest.mark.category("statistics")
def test_plain_sampling_follows_the_softmax(solution, make, seed):
    # 3000 draws: a Gumbel-max with the wrong noise (-log u) is off by only 0.06 in chi-square per draw.
    check_cases(solution, make, seed, PLAIN_CASES)


@pytest.mark.category("statistics")
def test_temperature_sharpens_and_flattens(solution, make, seed):
    check_cases(solution, make, seed, TEMPERATURE_CASES)


@pytest.mark.category("statistics")
def test_top_k_keeps_the_k_most_probable(solution, make, seed):
    check_cases(solution, make, seed, TOP_K_CASES, zero_reason="outside the top k")


@pytest.mark.category("statistics")
def test_top_p_keeps_the_smallest_nucleus(solution, make, seed):
    check_cases(solution, make, seed, TOP_P_CASES, zero_reason="outside the nucleus")


@pytest.mark.category("statistics")
def test_temperature_then_top_k_then_top_p(solution, make, seed):
    check_cases(solution, make, seed, PIPELINE_CASES,
                zero_reason="removed by top-k, or by top-p on the renormalised top-k")


# -- sample: deterministic outcomes ------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_order_temperature_then_top_k_then_top_p(solution, make, seed):
    probs = log_probs(0.4, 0.3, 0.2, 0.1)
    cases = [
        (dict(top_k=2, top_p=0.5), "top_k=2 then top_p=0.5 on probabilities [.4, .3, .2, .1]: top-k renormalises to "
         "[4/7, 3/7] and 4/7 >= 0.5 keeps token 0 alone (top-p on the un-renormalised .4 would keep two)"),
        (dict(temperature=0.5, top_p=0.5), "temperature=0.5 then top_p=0.5 on probabilities [.4, .3, .2, .1]: "
         "the tempered distribution is [.53, .30, .13, .03] and .53 >= 0.5 keeps token 0 alone"),
    ]
    for case_seed, (kwargs, case) in enumerate(cases, start=110):
        tokens = draw(solution, make, 100, probs, seed(case_seed), case, **kwargs)
        assert_always(tokens, 0, case, seed(case_seed), "top-p sees the distribution after temperature and top-k")


@pytest.mark.category("edge-case")
def test_top_p_mass_exactly_at_the_boundary(solution, make, seed):
    # Probabilities [.5, .25, .25]: the first token alone has mass 0.5 >= top_p, nothing else is kept.
    # These logits give exactly 0.5 in every softmax style tried (max-shift, plain exp, logsumexp,
    # logaddexp.reduce, float32, loops; all orders) and every cutoff rule keeps exactly one token.
    for case_seed, position in enumerate(range(3), start=120):
        logits = np.zeros(3)
        logits[position] = math.log(2.0)
        case = f"top_p=0.5 with logits {np.round(logits, 4).tolist()} (probabilities 0.5 / 0.25 / 0.25)"
        tokens = draw(solution, make, 100, logits, seed(case_seed), case, top_p=0.5)
        assert_always(tokens, position, case, seed(case_seed),
                      "its mass 0.5 reaches top_p exactly: mass >= top_p stops")


@pytest.mark.category("edge-case")
def test_tiny_top_p_keeps_only_the_most_probable(solution, make, seed):
    for case_seed, kwargs in enumerate((dict(top_p=1e-9), dict(temperature=2.0, top_k=4, top_p=1e-9)), start=130):
        case = f"6 logits (argmax 3) with {describe(kwargs)}"
        with classic_cause("top-p kept no token: it must always keep at least the most probable one"):
            tokens = draw(solution, make, 100, LOGITS_6, seed(case_seed), case, **kwargs)
        assert_always(tokens, 3, case, seed(case_seed), "top-p keeps at least one token")


@pytest.mark.category("correctness")
def test_temperature_zero_is_greedy_with_lowest_index_on_ties(solution, make, seed):
    cases = [
        (np.array([1.0, 3.0, 3.0, 2.0]), {}, 1, "tied maxima at 1 and 2"),
        (np.array([-np.inf, 0.5, -np.inf, 0.5, 0.2]), {}, 1, "tied maxima at 1 and 3, -inf elsewhere"),
        (np.array([1e4, 1e4, -1e4]), {}, 0, "tied maxima of 1e4"),
        (np.array([0.2, 0.9, -0.3, 0.1], dtype=np.float32), {"top_k": 3, "top_p": 0.8}, 1,
         "float32 logits, top_k=3, top_p=0.8"),
    ]
    for case_seed, (logits, kwargs, expected, name) in enumerate(cases, start=140):
        case = f"temperature=0 with {name}: logits {logits.tolist()}"
        tokens = draw(solution, make, 50, logits, seed(case_seed), case, temperature=0.0, **kwargs)
        assert_always(tokens, expected, case, seed(case_seed), "greedy: the argmax, the lowest index on ties")
    logits = np.array([0.5, 2.0, 2.0])
    token = as_token(solution.sample(logits, temperature=0.0), 3, "temperature=0 without an rng")
    if token != 1:
        raise AssertionError(f"sample returned {token} for temperature=0 without an rng, logits {logits.tolist()}; "
                             "expected 1 (greedy, lowest index on ties)")


@pytest.mark.category("correctness")
def test_top_k_one_is_greedy(solution, make, seed):
    logits = np.array([1.0, 3.0, 3.0, 2.0, -np.inf])
    for case_seed, kwargs in enumerate((dict(top_k=1), dict(temperature=5.0, top_k=1), dict(top_k=1, top_p=0.9)),
                                  start=150):
        case = f"logits {logits.tolist()} (tied maxima at 1 and 2) with {describe(kwargs)}"
        tokens = draw(solution, make, 60, logits, seed(case_seed), case, **kwargs)
        assert_always(tokens, 1, case, seed(case_seed), "top_k=1 is greedy: the argmax, the lowest index on ties")


# -- sample: masks, numerics, filters at their limits --------------------------------------------------------

MASKED_8 = np.array([0.5, -np.inf, 0.9, -np.inf, 0.3, 0.7, -np.inf, 0.2])  # 5 finite logits
MASKED_CASES = [(MASKED_8, {}, 400, 160, "logits with -inf at 1, 3, 6"),
                (MASKED_8, dict(temperature=0.5, top_k=6), 500, 161, "logits with -inf at 1, 3, 6, top_k above "
                 "the 5 finite ones"),
                (MASKED_8, dict(top_p=0.8), 400, 162, "logits with -inf at 1, 3, 6, a nucleus of 4")]
HUGE_CASES = [(1e4 + np.array([0.0, -1.0, -0.5, -1.5, -2e4]), {}, 500, 170, "logits of magnitude 1e4 (float64)"),
              (np.array([10.0, 9.995, 9.99, 9.985]), dict(temperature=0.01), 500, 171,
               "logits ~10 at a small temperature (scaled logits ~1000)"),
              (np.array([100.0, 99.0, 99.5, 98.5], dtype=np.float32), {}, 500, 172,
               "float32 logits of magnitude 100 (exp(100) overflows float32)")]
UNIFORM_CASES = [(np.zeros(10), kwargs, 400, seed, "all-zero logits (V=10): uniform")
                 for seed, kwargs in enumerate((dict(), dict(top_k=15), dict(top_p=1.0)), start=180)]


@pytest.mark.category("masking")
def test_minus_inf_logits_are_never_sampled(solution, make, seed):
    with classic_cause("a -inf logit must give probability 0; replaced by a finite extreme (np.nan_to_num gives "
                       "-1.8e308) it overflows once divided by a temperature < 1"):
        check_cases(solution, make, seed, MASKED_CASES, zero_reason="its logit is -inf")


@pytest.mark.category("numerical-stability")
def test_huge_logits_and_small_temperatures_do_not_overflow(solution, make, seed):
    with classic_cause(OVERFLOW), classic_causes((NOT_FINITE, OVERFLOW), raised=("RuntimeError",)):
        check_cases(solution, make, seed, HUGE_CASES, zero_reason="underflows to probability 0")


@pytest.mark.category("edge-case")
def test_all_zero_logits_are_uniform_and_filters_at_their_limits_keep_everything(solution, make, seed):
    with classic_cause("top_p=1.0 or top_k >= V must keep every token (a cumulative sum can round below 1)",
                       raised=("RuntimeWarning", "IndexError")):
        check_cases(solution, make, seed, UNIFORM_CASES)


# -- sample: errors, determinism, inputs, result type ----------------------------------------------------

def assert_value_error(call, case):
    """`call()` must raise ValueError; anything else the solution raises fails the test as it is."""
    try:
        result = call()
    except ValueError:
        return
    raise AssertionError(f"returned {summary(result)} for {case}; expected ValueError")


@pytest.mark.category("errors")
def test_nan_logits_raise(solution):
    logits = np.array([0.1, np.nan, 0.3, -np.inf])
    for kwargs in (dict(), dict(temperature=0.0), dict(top_k=2, top_p=0.9)):
        assert_value_error(lambda: solution.sample(logits, rng=None, **kwargs),
                           f"NaN logits {logits.tolist()} with {describe(kwargs)}")


@pytest.mark.category("errors")
def test_bad_arguments_raise(solution):
    logits = np.array([0.3, -0.2, 1.1, 0.4])
    bad = [dict(temperature=-1.0), dict(temperature=-1e-3), dict(top_k=0), dict(top_k=-2),
           dict(top_p=0.0), dict(top_p=-0.1), dict(top_p=1.5), dict(top_p=1.0 + 1e-9),
           dict(temperature=0.0, top_k=0), dict(temperature=0.0, top_p=2.0)]
    for kwargs in bad:
        assert_value_error(lambda: solution.sample(logits, **kwargs),
                           f"{describe(kwargs)} (temperature >= 0, top_k >= 1, 0 < top_p <= 1; checked even "
                           "when temperature=0)")


@pytest.mark.category("edge-case")
def test_without_an_rng_a_fresh_generator_is_used(solution):
    V = 8
    tokens = [as_token(t, V, "all-zero logits without an rng") for t in solution.sample.repeat(200, np.zeros(V))]
    if len(set(tokens)) < 2:
        raise AssertionError(f"200 calls without an rng on all-zero logits (V={V}) all returned token {tokens[0]}; "
                             "expected a fresh np.random.default_rng() per call, or torch's global generator in "
                             "PyTorch (a fixed seed repeats itself)")


@pytest.mark.category("side-effects")
def test_logits_are_not_modified(solution, make):
    kwargs = dict(temperature=0.7, top_k=4, top_p=0.8)
    for logits in (MIXED_10.copy(), np.array([0.5, -1.0, 1.5, 0.2, 3.0], dtype=np.float32)):
        saved = logits.copy()
        rng = make("numpy.random:default_rng", 190)
        _, args, _ = solution.sample.with_inputs(logits, rng=rng, **kwargs)
        if not (isinstance(args[0], np.ndarray) and np.array_equal(args[0], saved)):
            raise AssertionError(f"the solution modified its input `logits` in place for {logits.dtype} logits with "
                                 f"{describe(kwargs)}: {saved.tolist()} became {np.asarray(args[0]).tolist()}")


@pytest.mark.category("dtype")
def test_sample_returns_an_int(solution, make):
    for logits, kwargs in ((LOGITS_6, {}), (LOGITS_6.astype(np.float32), dict(top_k=3, top_p=0.9)),
                           (LOGITS_6, dict(temperature=0.0))):
        token = solution.sample(logits, rng=make("numpy.random:default_rng", 195), **kwargs)
        as_token(token, len(logits), f"{logits.dtype} logits with {describe(kwargs)}")


# -- beam_search -------------------------------------------------------------------------------------------

def exhaustive(lm, prefix, max_new_tokens, eos_id=None):
    """The best complete hypothesis by enumeration: (tokens, score)."""
    best = (None, -math.inf)

    def visit(tokens, score, steps_left):
        nonlocal best
        if steps_left == 0 or (eos_id is not None and len(tokens) > len(prefix) and tokens[-1] == eos_id):
            if score > best[1]:
                best = (tokens, score)
            return
        for t, lp in enumerate(lm(tokens)):
            visit(tokens + [t], score + lp, steps_left - 1)

    visit(list(prefix), 0.0, max_new_tokens)
    return best


def greedy(lm, prefix, max_new_tokens, eos_id=None):
    tokens, score = list(prefix), 0.0
    for _ in range(max_new_tokens):
        lp = lm(tokens)
        t = int(np.argmax(lp))
        tokens, score = tokens + [t], score + lp[t]
        if t == eos_id:
            break
    return tokens, score


def new_token_score(lm, prefix, tokens):
    """Summed log-probs of tokens[len(prefix):] under lm."""
    return sum(lm(tokens[:i])[tokens[i]] for i in range(len(prefix), len(tokens)))


def check_beam(solution, remote_lm, lm, prefix, beam_width, max_new_tokens, expected, case, eos_id=None):
    """beam_search returns (prefix + new tokens, score) equal to `expected`."""
    kwargs = {} if eos_id is None else {"eos_id": eos_id}
    out = solution.beam_search(remote_lm, list(prefix), beam_width, max_new_tokens, **kwargs)
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise AssertionError(f"beam_search returned {type(out).__name__} for {case}; expected a (tokens, score) tuple")
    tokens, score = out
    want_tokens, want_score = expected
    if isinstance(tokens, np.ndarray):
        tokens = tokens.tolist()
    if not isinstance(tokens, (list, tuple)) or not all(is_int(t) for t in tokens):
        raise AssertionError(f"beam_search returned tokens {summary(tokens)} for {case}; expected a list of ints")
    tokens = [int(t) for t in tokens]
    if tokens != list(want_tokens):
        got = (f" (its score {new_token_score(lm, prefix, tokens):.6f})"
               if tokens[:len(prefix)] == list(prefix) and all(0 <= t < len(lm(prefix)) for t in tokens) else "")
        assert_equal(tokens, list(want_tokens), f"{case}: the best hypothesis has score {want_score:.6f}{got}; "
                     f"the returned tokens include the prefix {list(prefix)}")
    assert_scalar_close(score, want_score, f"the score of {want_tokens} for {case} (the summed log-probs of the "
                        "new tokens only, no length normalisation)", **SCORE)


def hash_lm(make, framework, vocab_size, seed, **kwargs):
    """The same toy in the worker (for the solution, returning tensors to a PyTorch attempt) and here (for the
    expected answer)."""
    return (make("toys.sampling:HashLM", vocab_size, seed, framework=framework, **kwargs),
            HashLM(vocab_size, seed, **kwargs))


def scripted_lm(make, framework, rows, default):
    return make("toys.sampling:ScriptedLM", rows, default, framework=framework), ScriptedLM(rows, default)


@pytest.mark.category("correctness")
def test_beam_as_wide_as_all_hypotheses_is_exhaustive_search(solution, make, framework):
    for V, seed, scale, T, width in ((3, 20, 1.0, 5, 3 ** 5), (4, 17, 1.0, 3, 4 ** 3), (4, 17, 1.0, 3, 1000)):
        remote, lm = hash_lm(make, framework, V, seed, scale=scale)
        case = f"HashLM(V={V}, seed={seed}), prefix [1, 0], beam_width={width}, max_new_tokens={T}, no eos"
        check_beam(solution, remote, lm, [1, 0], width, T, exhaustive(lm, [1, 0], T), case)


@pytest.mark.category("correctness")
def test_exhaustive_search_with_eos(solution, make, framework):
    # seed 16: the best hypothesis stops at eos after one token; seed 18: eos is available at every
    # step, yet the best hypothesis runs to max_new_tokens without it.
    for seed in (16, 18):
        remote, lm = hash_lm(make, framework, 4, seed, eos_id=3, eos_shift=0.5)
        case = f"HashLM(V=4, seed={seed}, eos_id=3), prefix [2, 1], beam_width=256, max_new_tokens=4"
        check_beam(solution, remote, lm, [2, 1], 256, 4, exhaustive(lm, [2, 1], 4, eos_id=3), case, eos_id=3)


@pytest.mark.category("correctness")
def test_beam_width_one_is_greedy(solution, make, framework):
    for V, seed, kwargs, prefix, T, eos in ((4, 22, dict(scale=1.0), [1, 0], 3, None),
                                            (5, 17, dict(scale=1.0), [1, 0], 3, None),
                                            (4, 9, dict(eos_id=3, eos_shift=0.5), [2, 1], 4, 3)):
        remote, lm = hash_lm(make, framework, V, seed, **kwargs)
        case = f"HashLM(V={V}, seed={seed}{', eos_id=3' if eos is not None else ''}), prefix {prefix}, beam_width=1, " \
               f"max_new_tokens={T} (greedy differs from wider beams here)"
        check_beam(solution, remote, lm, prefix, 1, T, greedy(lm, prefix, T, eos), case, eos_id=eos)


@pytest.mark.category("correctness")
def test_intermediate_beam_widths(solution, make, framework):
    # Each width here returns a hypothesis different from a width one larger or smaller (or from
    # exhaustive search): an off-by-one in the number of beams kept shows.
    for V, seed, kwargs, prefix, width, T, eos in ((3, 12, dict(scale=2.5), [1, 0], 2, 4, None),
                                                   (3, 44, dict(scale=1.0), [1, 0], 3, 4, None),
                                                   (5, 47, dict(scale=1.0), [1, 0], 3, 3, None),
                                                   (4, 16, dict(eos_id=3, eos_shift=0.5), [2, 1], 2, 4, 3)):
        remote, lm = hash_lm(make, framework, V, seed, **kwargs)
        case = f"HashLM(V={V}, seed={seed}{', eos_id=3' if eos is not None else ''}), prefix {prefix}, " \
               f"beam_width={width}, max_new_tokens={T}"
        check_beam(solution, remote, lm, prefix, width, T, ref.beam_search(lm, prefix, width, T, eos), case,
                   eos_id=eos)


@pytest.mark.category("correctness")
def test_eos_finishes_a_hypothesis(solution, make, framework):
    # After the prefix, eos (token 3) has probability 0.6: [1, 2, 3] scores log 0.6 and no longer
    # grows; any hypothesis that goes on pays at least log 0.4 per extra token.
    remote, lm = scripted_lm(make, framework, [[[1, 2], [0.15, 0.2, 0.05, 0.6]]], [0.4, 0.3, 0.2, 0.1])
    case = "a scripted model where eos (3) has probability 0.6 right after the prefix [1, 2], beam_width=2, " \
           "max_new_tokens=4: the finished hypothesis [1, 2, 3] is not extended and stays the best"
    check_beam(solution, remote, lm, [1, 2], 2, 4, ([1, 2, 3], math.log(0.6)), case, eos_id=3)


@pytest.mark.category("correctness")
def test_finished_hypothesis_competes_with_its_score(solution, make, framework):
    # eos right after the prefix scores log 0.3 = -1.20; the path 0, 1, 0, 2 scores
    # log 0.55 + 3 log 0.95 = -0.75 over four tokens: finishing first does not end the search.
    rows = [[[1, 2], [0.55, 0.05, 0.10, 0.30]], [[1, 2, 0], [0.02, 0.95, 0.02, 0.01]],
            [[1, 2, 0, 1], [0.95, 0.02, 0.02, 0.01]], [[1, 2, 0, 1, 0], [0.02, 0.02, 0.95, 0.01]]]
    remote, lm = scripted_lm(make, framework, rows, [0.25] * 4)
    case = "a scripted model where [1, 2, eos] (score -1.20) loses to the longer [1, 2, 0, 1, 0, 2] (score -0.75), " \
           "beam_width=2, max_new_tokens=4"
    check_beam(solution, remote, lm, [1, 2], 2, 4, ([1, 2, 0, 1, 0, 2], math.log(0.55) + 3 * math.log(0.95)), case,
               eos_id=3)


@pytest.mark.category("correctness")
def test_no_length_normalisation(solution, make, framework):
    # [0, eos] scores log 0.5 = -0.69 over one token; [0, 0, 0, 0] scores log 0.4 + 2 log 0.97 = -0.98
    # over three (-0.33 per token): the plain sum prefers the short one.
    rows = [[[0], [0.40, 0.05, 0.05, 0.50]], [[0, 0], [0.97, 0.01, 0.01, 0.01]], [[0, 0, 0], [0.97, 0.01, 0.01, 0.01]]]
    remote, lm = scripted_lm(make, framework, rows, [0.25] * 4)
    case = "a scripted model where [0, eos] (sum -0.69, mean -0.69) beats [0, 0, 0, 0] (sum -0.98, mean -0.33) " \
           "by summed log-prob, beam_width=3, max_new_tokens=3"
    check_beam(solution, remote, lm, [0], 3, 3, ([0, 3], math.log(0.5)), case, eos_id=3)


@pytest.mark.category("correctness")
def test_score_counts_only_the_new_tokens(solution, make, framework):
    prefix = [3, 1, 4, 1, 5]
    remote, lm = hash_lm(make, framework, 6, 5)
    case = f"HashLM(V=6, seed=5), a prefix {prefix} that costs {new_token_score(lm, [], prefix):.3f} itself, " \
           "beam_width=3, max_new_tokens=3"
    check_beam(solution, remote, lm, prefix, 3, 3, ref.beam_search(lm, prefix, 3, 3), case)


@pytest.mark.category("edge-case")
def test_zero_new_tokens_returns_the_prefix(solution, make, framework):
    remote, lm = hash_lm(make, framework, 4, 3)
    check_beam(solution, remote, lm, [2, 0, 1], 2, 0, ([2, 0, 1], 0.0),
               "max_new_tokens=0, prefix [2, 0, 1], beam_width=2: the prefix itself, score 0", eos_id=3)


@pytest.mark.category("side-effects")
def test_prefix_is_not_modified(solution, make, framework):
    # What the judge sees, not the worker's account of the list: two calls given the very same list
    # (`repeat`), each answer checked against the reference on the list as it was. An in-place edit in
    # the first call changes the prefix the second one starts from.
    remote, lm = hash_lm(make, framework, 4, 22, scale=1.0)
    prefix = [1, 0]
    expected = ref.beam_search(lm, prefix, 2, 3)
    first, second = (beam_tokens(out) for out in solution.beam_search.repeat(2, remote, list(prefix), 2, 3))
    if not first == second == expected[0]:
        raise AssertionError(f"two calls given the same list [1, 0] (beam_width=2, max_new_tokens=3) returned tokens "
                             f"{summary(first)} and {summary(second)}; expected {expected[0]} from each. Tokens that "
                             "grow from call to call are the caller's list modified in place (build new lists for the "
                             "hypotheses); otherwise the values are wrong: see the correctness tests")


def beam_tokens(out):
    """The tokens of a (tokens, score) result as a list of ints, or `out` itself when it is not one."""
    tokens = out[0] if isinstance(out, (tuple, list)) and len(out) == 2 else out
    tokens = tokens.tolist() if isinstance(tokens, np.ndarray) else tokens
    if isinstance(tokens, (list, tuple)) and all(is_int(t) for t in tokens):
        return [int(t) for t in tokens]
    return out


# -- last: the fresh process starts while the tests above run (a PyTorch attempt's imports torch) -----------

@pytest.mark.category("determinism")
def test_the_rng_passed_in_is_the_only_randomness(solution, make, fresh_solution, seed):
    # Seeds 7, 7 and 8 here, and 7 in a fresh process whose global random states (np.random, random,
    # torch's) were seeded differently: tokens drawn from anything but the rng, or kept in the process,
    # differ. The fresh process is asked for only after the draws here, to give its start more time.
    logits = np.zeros(8)
    cases = {f"all-zero logits (V=8) with {describe(kwargs)}": kwargs
             for kwargs in (dict(), dict(temperature=0.7, top_k=6, top_p=0.9))}
    make("toys.common:seed_global_random", 1)
    runs = {case: [draw(solution, make, 60, logits, seed(rng_seed), case, **kwargs) for rng_seed in (7, 7, 8)]
            for case, kwargs in cases.items()}
    fresh = fresh_solution(global_seed=2)
    for case, kwargs in cases.items():
        first, again, other = runs[case]
        elsewhere = draw(fresh.solution, fresh.make, 60, logits, seed(7), f"{case}, in a fresh process", **kwargs)
        for where, same_seed in (("", again), (" (one here, one in a fresh process seeded differently)", elsewhere)):
            if not np.array_equal(first, same_seed):
                raise AssertionError(f"two generators seeded {seed(7)} gave different tokens for {case}{where}: "
                                     f"{first[:12].tolist()}... vs {same_seed[:12].tolist()}...; the rng passed in "
                                     "must be the only randomness (not a global state: np.random, random, torch's "
                                     "default generator)")
        if np.array_equal(first, other):
            raise AssertionError(f"generators seeded {seed(7)} and {seed(8)} gave the same 60 tokens for {case}: is "
                                 "the rng argument ignored?")
