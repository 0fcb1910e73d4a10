"""Hidden tests of the sampling kata's level `min_p` (both frameworks): `sample(..., min_p=...)` keeps the
tokens whose probability, after temperature, top-k and top-p, is at least min_p times the largest one.

As in the kata's tests (katas/sampling/test_sampling.py, whose helpers these reuse), no test compares a
sampled token with a fixed value for a seed: a PyTorch attempt's torch.Generator draws other tokens than
a NumPy Generator, and how the generator is consumed is the learner's choice. Instead
  - distributions: n draws in the worker from one seeded generator, the counts against the float64
    reference's probabilities (graders/keys/sampling/levels/min_p/reference.py, checked against torch in
    its test_oracle.py) by the kata's chi-square test at p < 1e-7, expected counts >= 40 everywhere; a
    token the filters remove must never appear;
  - deterministic outcomes: where min-p keeps one token, all n >= 100 draws must be it (a wrong filter
    keeps a token of probability >= 0.3 here, seen within 100 draws except with probability < 1e-15).
No probability here lies within 5% of a min-p threshold (test_oracle.py checks every case), except
min_p = 1 on tied maxima, where the tie is exact in every style (equal logits give equal probabilities),
so comparing probabilities or log-probabilities, in float32 or float64, keeps the same tokens.
"""

import numpy as np
import pytest

from graders.check import classic_cause
from graders.keys.sampling.levels.min_p import reference as ref
from katas.sampling.test_sampling import (MASKED_8, MIXED_10, TOPP_8, assert_always, assert_distribution,
                                          assert_value_error, describe, draw, log_probs)

# Each case: (logits, sample's keyword arguments, draws, rng seed, description).
# TOPP_8 is probabilities [.05, .30, .08, .20, .12, .03, .15, .07].
MIN_P_CASES = [(TOPP_8, dict(min_p=0.25), 600, 201, "probabilities [.05, .30, .08, .20, .12, .03, .15, .07]: "
                "threshold 0.25 * 0.30 = 0.075 keeps tokens 1, 3, 6, 4, 2"),
               (MIXED_10, dict(temperature=2.0, min_p=0.4), 500, 202, "10 logits at temperature 2: 6 tokens reach "
                "0.4 times the top one"),
               (MIXED_10, dict(temperature=0.5, min_p=0.15), 400, 203, "10 logits at temperature 0.5: tokens 3, 6, 0 "
                "reach 0.15 times the top one")]
AFTER_TOP_P_CASES = [(log_probs(0.5, 0.3, 0.15, 0.05), dict(top_p=0.55, min_p=0.5), 200, 210,
                      "probabilities [.5, .3, .15, .05]: top-p keeps tokens 0, 1 (renormalised .625, .375), then "
                      "min-p's threshold 0.5 * 0.625 keeps both (min-p first would keep [.625, .375] and top-p then "
                      "token 0 alone)")]
TIES = np.array([1.0, 3.0, 3.0, 2.0, -np.inf])
MIN_P_ONE_CASES = [(TIES, kwargs, 200, seed, f"logits {TIES.tolist()} (tied maxima at 1 and 2): min_p=1 keeps the "
                    "ties of the max, 0.5 each")
                   for seed, kwargs in enumerate((dict(min_p=1.0), dict(temperature=5.0, min_p=1.0)), start=220)]
MIN_P_ZERO_CASES = [(MASKED_8, dict(min_p=0.0), 400, 230, "logits with -inf at 1, 3, 6: min_p=0 keeps every finite one"),
                    (TOPP_8, dict(top_p=0.7, min_p=0.0), 600, 231, "probabilities [.05, .30, .08, .20, .12, .03, .15, "
                     ".07], top_p=0.7: min_p=0 keeps the whole nucleus (tokens 1, 3, 6, 4)")]
MASKED_CASES = [(MASKED_8, dict(temperature=3.0, min_p=0.05), 400, 240, "logits with -inf at 1, 3, 6, a small min_p "
                 "keeping every finite one"),
                (MASKED_8, dict(top_p=0.8, min_p=0.6), 400, 241, "logits with -inf at 1, 3, 6: top-p keeps 4 finite "
                 "tokens, min-p 3 of them")]


def check_cases(solution, make, seed, cases, zero_reason):
    """Each case's draws from a generator seeded seed(its rng seed), against the reference's distribution."""
    for logits, kwargs, n, case_seed, name in cases:
        case = f"{name} ({describe(kwargs)})"
        tokens = draw(solution, make, n, logits, seed(case_seed), case, **kwargs)
        assert_distribution(tokens, ref.distribution(logits, **kwargs), case, seed(case_seed), zero_reason)


@pytest.mark.category("statistics")
def test_min_p_keeps_the_tokens_above_a_fraction_of_the_top_one(solution, make, seed):
    check_cases(solution, make, seed, MIN_P_CASES, "below min_p times the largest probability after temperature")


@pytest.mark.category("correctness")
def test_min_p_sees_the_distribution_after_temperature_and_top_k(solution, make, seed):
    probs = log_probs(0.4, 0.3, 0.2, 0.1)
    cases = [(dict(temperature=0.5, min_p=0.6), "temperature=0.5 then min_p=0.6 on probabilities [.4, .3, .2, .1]: "
              "the tempered distribution is [.53, .30, .13, .03] and .30 < 0.6 * .53 (before temperature .3 >= 0.6 * .4)"),
             (dict(top_k=2, min_p=0.8), "top_k=2 then min_p=0.8 on probabilities [.4, .3, .2, .1]: top-k renormalises "
              "to [4/7, 3/7] and 3/7 < 0.8 * 4/7 (a threshold from the unfiltered .4, 0.32, would keep it)")]
    for case_seed, (kwargs, case) in enumerate(cases, start=250):
        tokens = draw(solution, make, 100, probs, seed(case_seed), case, **kwargs)
        assert_always(tokens, 0, case, seed(case_seed), "min-p's threshold is a fraction of the largest probability "
                      "of the distribution temperature and top-k left")


@pytest.mark.category("correctness")
def test_min_p_comes_after_top_p(solution, make, seed):
    check_cases(solution, make, seed, AFTER_TOP_P_CASES, "outside the nucleus, or below the min-p threshold")


@pytest.mark.category("edge-case")
def test_min_p_one_keeps_the_ties_of_the_max(solution, make, seed):
    with classic_cause("min_p=1 kept no token: a token is kept when its probability is >= (not >) min_p times the "
                       "largest, so the largest and its ties always stay"):
        check_cases(solution, make, seed, MIN_P_ONE_CASES, "below the largest probability")
    case = "min_p=1 on 6 probabilities [.05, .62, .08, .06, .12, .07]: only the top one"
    tokens = draw(solution, make, 100, log_probs(0.05, 0.62, 0.08, 0.06, 0.12, 0.07), seed(225), case, min_p=1.0)
    assert_always(tokens, 1, case, seed(225), "min_p=1 keeps only the largest probability (and its ties)")


@pytest.mark.category("edge-case")
def test_min_p_zero_keeps_everything(solution, make, seed):
    with classic_cause("min_p=0 is valid and filters nothing (log(0) is -inf: a log-space threshold needs min_p > 0)",
                       raised=("RuntimeWarning", "ValueError")):
        check_cases(solution, make, seed, MIN_P_ZERO_CASES, "its logit is -inf, or outside the nucleus")


@pytest.mark.category("masking")
def test_minus_inf_logits_are_never_sampled_with_min_p(solution, make, seed):
    with classic_cause("a -inf logit has probability 0: compare probabilities (or logits) with the threshold, not "
                       "log(probabilities), which is log(0) there", raised=("RuntimeWarning",)):
        check_cases(solution, make, seed, MASKED_CASES, "its logit is -inf, or filtered out")


@pytest.mark.category("errors")
def test_min_p_outside_zero_one_raises(solution):
    logits = np.array([0.3, -0.2, 1.1, 0.4])
    bad = [dict(min_p=-0.1), dict(min_p=-1e-9), dict(min_p=1.5), dict(min_p=1.0 + 1e-9),
           dict(temperature=0.0, min_p=2.0), dict(top_k=2, top_p=0.9, min_p=-0.5)]
    for kwargs in bad:
        assert_value_error(lambda: solution.sample(logits, **kwargs),
                           f"{describe(kwargs)} (0 <= min_p <= 1; checked even when temperature=0)")


@pytest.mark.category("side-effects")
def test_logits_are_not_modified(solution, make):
    # temperature 1 (the default): dividing by it is the one step a solution may skip, leaving the caller's
    # array as the one it filters
    for logits in (MIXED_10.copy(), np.array([0.5, -1.0, 1.5, 0.2, 3.0], dtype=np.float32)):
        saved = logits.copy()
        rng = make("numpy.random:default_rng", 260)
        _, args, _ = solution.sample.with_inputs(logits, rng=rng, min_p=0.3)
        if not (isinstance(args[0], np.ndarray) and np.array_equal(args[0], saved)):
            raise AssertionError(f"the solution modified its input `logits` in place for {logits.dtype} logits with "
                                 f"min_p=0.3: {saved.tolist()} became {np.asarray(args[0]).tolist()}")

