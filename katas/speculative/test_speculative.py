"""Hidden tests of the `speculative` kata: sample_from_residual and speculative_step.

The models are trusted toys (graders/kataworker/toys/speculative.py): bigram tables over V = 3 tokens,
p(next | context) = table[context[-1]], that count and log their calls. Where those counts and logs
are the evidence, the toys stay here, in the judge (`lend`: the solution's calls come back across the
pipe and are logged where it cannot reach them); the statistical tests, which read only the tokens
returned, build them in the worker, where calls cost nothing. The same toy classes run here to compute
what a correct step must produce.

One set of tests grades both attempts. A PyTorch attempt gets the same toys handing out float64
tensors (built in the worker with the `framework` fixture; the lent ones' answers converted by the
seam), a torch.Generator seeded alike for `rng` (make("numpy.random:default_rng", seed)), and the
same arrays as tensors; its tokens come back as ints or 0-d integer tensors. A torch.Generator does
not draw what a NumPy Generator draws, which changes nothing here: no test compares token streams
across frameworks, or with anything but the same attempt's own in another process.

What is compared, and why it is fair to every correct solution:
  - Tokens are random, and the contract leaves free how `rng` is consumed (rng.choice, rng.random,
    inverse CDF, Gumbel-max, draws in any order), so token streams are never compared with the
    reference's. Distributions are: Pearson chi-square of many seeded steps (`.repeat`, one round
    trip) against EXACT probabilities: the target's (the first token; the first two tokens of the
    generated text, continued by one more step when a step produced a single token; the last two
    tokens when the draft equals the target) or the acceptance rule's (how many tokens a step
    produces, by enumerating every draft sequence). A token with expected probability 0 that appears
    at all fails at once.
  - Each chi-square check rejects at p < ALPHA = 1e-7. Every cell expects >= 50 counts; there
    Pearson's statistic follows the chi-square tail closely: over 4e6 simulated multinomials per
    check (the joint, last-two and count checks, the ones with the smallest cells) it exceeded the
    1e-4, 1e-5 and 1e-6 quantiles 1.0-1.4 times as often as nominal. So a correct solution fails a
    check with probability ~1e-7 to 2e-7 (< 1e-6), and the 10 checks of the kata together a few in
    a million grades.
  - Sample sizes (N = 1000 to 2000 steps per check) were measured against the mutants of
    graders/keys/speculative/mutants, in-process, over 10 seeds: every mutant failed every check
    that catches it on all 10 seeds, and the largest p-value any of them reached on such a check was
    1e-13 (residual_unnormalised_cdf on the first token with a sparse target); most are below 1e-30.
    The reference and the five alternatives passed all 10 seeds (smallest p-value 1.5e-3).
  - Deterministic things are checked exactly: one target call and k draft calls per step, the
    contexts the draft is called with, accepted tokens equal to the drafts, 1 to k+1 tokens, a new
    list with the prefix first, inputs unmodified, the same seed giving the same tokens.
Nothing here is a floating-point comparison: tokens are integers, probabilities enter only as
expected counts.
"""


import numpy as np
import pytest

from graders.check import assert_equal, assert_unchanged, chi2_sf, classic_cause, summary
from graders.kataworker.toys.speculative import ToyDraft, ToyTarget

ALPHA = 1e-7  # per chi-square check; 10 checks in the kata -> a correct solution fails < 1e-6 of grades

# -- toy models: bigram tables over V = 3 tokens, row = previous token -------------------------------

TARGET = np.array([[0.60, 0.30, 0.10],
                   [0.15, 0.15, 0.70],
                   [0.25, 0.50, 0.25]])
DRAFT_MISMATCHED = np.array([[0.10, 0.30, 0.60],        # full support, far from the target
                             [0.60, 0.30, 0.10],
                             [0.20, 0.10, 0.70]])
DRAFT_BLIND = np.array([[0.00, 0.50, 0.50],             # zero where the target puts 0.60, 0.70, 0.50:
                        [0.50, 0.50, 0.00],             # those tokens come only from the residual
                        [0.50, 0.00, 0.50]])
TARGET_SPARSE = np.array([[0.70, 0.30, 0.00],           # zeros where the draft below puts 0.6:
                          [0.00, 0.40, 0.60],           # those drafts are always rejected
                          [0.50, 0.00, 0.50]])
DRAFT_OVERCONFIDENT = np.array([[0.20, 0.20, 0.60],
                                [0.60, 0.20, 0.20],
                                [0.20, 0.60, 0.20]])

RESIDUAL_HINT = ("the residual max(0, p_target - p_draft) is all zero here (p_draft equals p_target): "
                 "sample from p_target instead of dividing by its sum 0")
STEP_HINT = ("two classic causes: p_target / p_draft over the whole vocabulary divides by the draft's zeros "
             "(divide at the drafted token only: its draft probability is > 0), or a residual renormalised "
             "when it is all zero (compute it on a rejection only, and fall back to p_target)")


def build(make, framework, target_table, draft_table, seed):
    """(draft, target, rng) in the worker, handing out the attempt's framework's data (tensors for
    PyTorch), and the same toys here to compute expected probabilities."""
    remote = (make("toys.speculative:ToyDraft", draft_table, framework=framework),
              make("toys.speculative:ToyTarget", target_table, framework=framework),
              make("numpy.random:default_rng", seed))
    return remote, (ToyDraft(draft_table), ToyTarget(target_table))


def build_counted(make, lend, target_table, draft_table, seed):
    """(draft, target, rng) to pass to the solution, the toys kept here and lent -> (those, (draft, target)):
    every call the solution makes is logged here, in the judge."""
    draft, target = ToyDraft(draft_table), ToyTarget(target_table)
    return (lend(draft), lend(target), make("numpy.random:default_rng", seed)), (draft, target)


# -- reading results -------------------------------------------------------------------------------

def as_token(t, V, case):
    """A token as a Python int in [0, V); NumPy integers are fine, floats and bools are not."""
    if isinstance(t, np.ndarray) and t.shape == () and t.dtype.kind in "iu":
        t = t[()]
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)):
        raise AssertionError(f"a token of type {type(t).__name__} ({summary(t)}) for {case}; expected an int")
    if not 0 <= t < V:
        raise AssertionError(f"token {int(t)} for {case}; expected a token in [0, {V})")
    return int(t)


def new_tokens(out, prefix, k, case, V=3):
    """The tokens one step produced, checking the form: a list, the prefix first, 1 to k+1 new tokens."""
    if not isinstance(out, list):
        raise AssertionError(f"returned {type(out).__name__} for {case}; expected a new list: the prefix, "
                             "then the tokens produced")
    tokens = [as_token(t, V, case) for t in out]
    if tokens[:len(prefix)] != list(prefix):
        raise AssertionError(f"returned {summary(tokens)} for {case}; expected a list that starts with the prefix "
                             f"{list(prefix)}, then the new tokens")
    new = tokens[len(prefix):]
    if not 1 <= len(new) <= k + 1:
        raise AssertionError(f"returned {len(new)} new tokens ({summary(tokens)}) for {case}; a step with k={k} "
                             f"produces 1 to {k + 1} tokens (accepted drafts, then one residual or bonus token)")
    return tuple(new)


def run_steps(solution, n, prefix, draft, target, k, rng, case):
    """n steps with the same arguments in one round trip -> n tuples of new tokens."""
    with classic_cause(STEP_HINT):
        outs = solution.speculative_step.repeat(n, list(prefix), draft, target, k, rng)
    return [new_tokens(out, prefix, k, case) for out in outs]


# -- statistics ------------------------------------------------------------------------------------

def assert_distribution(samples, expected, what, case):
    """samples: list of hashable outcomes; expected: {outcome: probability}. Fails if an outcome of
    probability 0 occurs, or if Pearson's chi-square rejects at p < ALPHA."""
    n = len(samples)
    counts = {}
    for s in samples:
        counts[s] = counts.get(s, 0) + 1
    impossible = {s: c for s, c in counts.items() if expected.get(s, 0.0) == 0.0}
    if impossible:
        s, c = next(iter(impossible.items()))
        raise AssertionError(f"{what} was {s} in {c} of {n} steps for {case}, but it has probability 0 "
                             f"(all unexpected outcomes: {impossible})")
    cells = sorted(s for s, p in expected.items() if p > 0)
    observed = np.array([counts.get(s, 0) for s in cells], dtype=np.float64)
    mean = n * np.array([expected[s] for s in cells])
    stat = float(((observed - mean) ** 2 / mean).sum())
    df = len(cells) - 1
    p_value = chi2_sf(stat, df)
    if p_value < ALPHA:
        table = "\n".join(f"    {str(s):>8}  {int(o):>8}  {m:>10.1f}" for s, o, m in zip(cells, observed, mean))
        raise AssertionError(
            f"{what} does not follow the expected distribution for {case}: chi-square {stat:.1f} with {df} "
            f"degrees of freedom, p-value {p_value:.2e} < {ALPHA:g} (a correct solution essentially never "
            f"gets this)\n    {'outcome':>8}  {'observed':>8}  {'expected':>10}\n{table}")


def target_dist(target, context):
    """{token: p_target(token | context)}."""
    return dict(enumerate(target.next_token_dist(list(context))))


def produced_count_probs(draft, target, prefix, k):
    """{m: P(a step produces m tokens)}, m = 1..k+1, from the acceptance rule by enumerating every
    draft sequence: at context c the draft proposes t ~ q_c, kept with probability min(1, p_c(t)/q_c(t)),
    so t is kept with probability min(p_c(t), q_c(t)) and the step stops here with 1 - sum of those."""
    probs = dict.fromkeys(range(1, k + 2), 0.0)

    def walk(context, accepted, weight):
        if accepted == k:
            probs[k + 1] += weight                             # every draft kept: the bonus token
            return
        keep = np.minimum(target.next_token_dist(context), draft.next_token_dist(context))   # (V,)
        probs[accepted + 1] += weight * (1.0 - keep.sum())     # first rejection here
        for t in np.flatnonzero(keep):
            walk(context + [int(t)], accepted + 1, weight * keep[t])

    walk(list(prefix), 0, 1.0)
    return probs


# -- speculative_step: distributions -----------------------------------------------------------------

# N steps per case: enough for every mutant to fail by many orders of magnitude (module docstring),
# few enough that all the reference's steps in a grade take about 0.75 s of CPU.
FIRST_TOKEN_CASES = (
    # (name, target table, draft table, prefix, k, N, rng seed)
    ("a full-support draft far from the target", TARGET, DRAFT_MISMATCHED, [1, 0, 2], 2, 1500, 11),
    ("a draft with zero mass on the target's likeliest tokens", TARGET, DRAFT_BLIND, [0, 1], 3, 1500, 12),
    ("a target with zero mass on the draft's likeliest tokens", TARGET_SPARSE, DRAFT_OVERCONFIDENT, [2], 1, 1500, 13),
)


@pytest.mark.category("statistics")
@pytest.mark.parametrize("name, target_table, draft_table, prefix, k, n, rng_seed", FIRST_TOKEN_CASES,
                         ids=["mismatched_draft", "draft_misses_target_mass", "target_misses_draft_mass"])
def test_first_token_follows_the_target(solution, make, framework, seed, name, target_table, draft_table, prefix, k,
                                        n, rng_seed):
    rng_seed = seed(rng_seed)
    (draft, target, rng), (_, local_target) = build(make, framework, target_table, draft_table, rng_seed)
    case = f"{name}, prefix {prefix}, k={k}, {n} steps, seed {rng_seed}"
    steps = run_steps(solution, n, prefix, draft, target, k, rng, case)
    assert_distribution([new[0] for new in steps], target_dist(local_target, prefix),
                        "the first token produced", case)


JOINT_CASES = (
    ("a full-support draft far from the target", TARGET, DRAFT_MISMATCHED, [1, 0], 1, 2000, 21),
    ("a draft with zero mass on the target's likeliest tokens", TARGET, DRAFT_BLIND, [1, 2], 2, 2000, 22),
)


@pytest.mark.category("statistics")
@pytest.mark.parametrize("name, target_table, draft_table, prefix, k, n, rng_seed", JOINT_CASES,
                         ids=["mismatched_draft_k1", "draft_misses_target_mass_k2"])
def test_first_two_tokens_follow_the_target(solution, make, framework, seed, name, target_table, draft_table, prefix,
                                            k, n, rng_seed):
    """The first two tokens of the generated text: when a step produced one token a, one more step
    from prefix + [a] gives the second. Either way it must follow p_target(. | prefix + [a])."""
    rng_seed = seed(rng_seed)
    (draft, target, rng), (_, local_target) = build(make, framework, target_table, draft_table, rng_seed)
    case = f"{name}, prefix {prefix}, k={k}, {n} steps, seed {rng_seed}"
    steps = run_steps(solution, n, prefix, draft, target, k, rng, case)
    pairs = [new[:2] for new in steps if len(new) >= 2]
    singles = [new[0] for new in steps if len(new) == 1]
    for a in sorted(set(singles)):                             # continue the one-token steps, token by token
        more = run_steps(solution, singles.count(a), prefix + [a], draft, target, k, rng,
                         f"{case}, continued from prefix {prefix + [a]}")
        pairs += [(a, new[0]) for new in more]
    expected = {(a, b): pa * pb for a, pa in target_dist(local_target, prefix).items()
                for b, pb in target_dist(local_target, prefix + [a]).items()}
    assert_distribution(pairs, expected, "the first two tokens generated", case)


@pytest.mark.category("statistics")
def test_number_of_tokens_follows_the_acceptance_rule(solution, make, framework, seed):
    # Which prefix of the drafts is kept depends on min(1, p/q) alone: P(m tokens) for m = 1..4 is
    # exact by enumeration. A step that rejects too often, or accepts with another ratio, still
    # produces target-distributed tokens, but not this many.
    prefix, k, n, rng_seed = [1], 3, 1500, seed(31)
    (draft, target, rng), (local_draft, local_target) = build(make, framework, TARGET, DRAFT_MISMATCHED,
                                                              rng_seed)
    case = f"a full-support draft far from the target, prefix {prefix}, k={k}, {n} steps, seed {rng_seed}"
    steps = run_steps(solution, n, prefix, draft, target, k, rng, case)
    assert_distribution([len(new) for new in steps], produced_count_probs(local_draft, local_target, prefix, k),
                        "the number of tokens produced", case)


@pytest.mark.category("statistics")
def test_draft_equal_to_target_accepts_every_draft_and_adds_the_bonus(solution, make, framework, seed):
    # min(1, p/q) = 1: all k drafts are kept, then the bonus token comes from the target's LAST row,
    # p_target(. | prefix + drafts): the last two tokens follow P(x_k = a) p_target(b | a).
    prefix, k, n, rng_seed = [0, 1], 2, 2000, seed(41)
    (draft, target, rng), (_, local_target) = build(make, framework, TARGET, TARGET, rng_seed)
    case = f"a draft equal to the target, prefix {prefix}, k={k}, {n} steps, seed {rng_seed}"
    steps = run_steps(solution, n, prefix, draft, target, k, rng, case)
    short = [new for new in steps if len(new) != k + 1]
    if short:
        raise AssertionError(f"{len(short)} of {n} steps produced fewer than k+1 = {k + 1} tokens (e.g. "
                             f"{list(short[0])}) for {case}; when the draft equals the target every draft is "
                             "accepted (min(1, p/q) = 1), then one bonus token is sampled from the target's row k")
    expected = {}                                              # P(x_2 = a, x_3 = b): a sum over x_1
    for x1, p1 in target_dist(local_target, prefix).items():
        for a, p2 in target_dist(local_target, prefix + [x1]).items():
            for b, p3 in target_dist(local_target, prefix + [x1, a]).items():
                expected[(a, b)] = expected.get((a, b), 0.0) + p1 * p2 * p3
    assert_distribution([new[-2:] for new in steps], expected,
                        "the last accepted draft and the bonus token", case)


# -- speculative_step: how the models are used -------------------------------------------------------

@pytest.mark.category("correctness")
def test_one_target_call_and_k_draft_calls_per_step(solution, make, lend, seed):
    prefix, k, n, rng_seed = [2, 0], 3, 25, seed(51)
    (lent_draft, lent_target, rng), (draft, target) = build_counted(make, lend, TARGET, DRAFT_MISMATCHED, rng_seed)
    case = f"{n} steps with k={k}, prefix {prefix}, seed {rng_seed}"
    run_steps(solution, n, prefix, lent_draft, lent_target, k, rng, case)
    if target.calls() != n:
        raise AssertionError(f"target_model.batch_next_token_dist was called {target.calls()} times in {case}; "
                             f"expected exactly one call per step ({n}): score all k drafts in one batch")
    if draft.calls() != n * k:
        raise AssertionError(f"draft_model was called {draft.calls()} times in {case}; expected k = {k} calls "
                             f"per step ({n * k}): one per drafted token")


@pytest.mark.category("correctness")
def test_drafts_extend_the_prefix_and_accepted_tokens_are_the_drafts(solution, make, lend, seed):
    # The draft proposes token i from draft_model(prefix + drafts[:i]); the target scores
    # (prefix, drafts) with all k drafts; the tokens produced are the accepted drafts, then one more.
    prefix, k, n, rng_seed = [1, 0, 2], 3, 25, seed(52)
    (lent_draft, lent_target, rng), (draft, target) = build_counted(make, lend, TARGET, DRAFT_MISMATCHED, rng_seed)
    case = f"k={k}, prefix {prefix}, seed {rng_seed}"
    steps = run_steps(solution, n, prefix, lent_draft, lent_target, k, rng, case)
    draft_log, target_log = draft.calls_log(), target.calls_log()
    if len(target_log) != n or len(draft_log) != n * k:
        raise AssertionError(f"{len(target_log)} target calls and {len(draft_log)} draft calls in {n} steps of "
                             f"{case}; expected {n} and {n * k} (see the call-count test)")
    for s, (new, (scored_prefix, drafts)) in enumerate(zip(steps, target_log)):
        where = f"step {s} of {case}"
        assert_equal(scored_prefix, prefix, f"the prefix given to batch_next_token_dist in {where}")
        if len(drafts) != k:
            raise AssertionError(f"batch_next_token_dist got {len(drafts)} drafts {drafts} in {where}; expected k = {k}")
        contexts = draft_log[s * k:(s + 1) * k]
        assert_equal(contexts, [prefix + drafts[:i] for i in range(k)],
                     f"the contexts draft_model was called with in {where} (drafts {drafts}): token i is "
                     "drawn from draft_model(prefix + drafts[:i])")
        assert_equal(list(new[:-1]), drafts[:len(new) - 1],
                     f"the tokens produced before the last one in {where} (drafts {drafts}, produced "
                     f"{list(new)}): they must be the accepted drafts, in order")


# -- speculative_step: edge cases and side effects ------------------------------------------------------

@pytest.mark.category("edge-case")
def test_k_zero_samples_one_token_from_target_row_0(solution, make, framework, lend, seed):
    # The calls are counted over a few steps with the toys lent (each call a round trip to the judge),
    # the distribution over many with the toys in the worker.
    prefix, k, counted, n, rng_seed = [1, 2], 0, 25, 1000, seed(61)
    (lent_draft, lent_target, rng), (draft, target) = build_counted(make, lend, TARGET, DRAFT_MISMATCHED, rng_seed)
    case = f"k=0, prefix {prefix}, {counted} steps, seed {rng_seed}"
    run_steps(solution, counted, prefix, lent_draft, lent_target, k, rng, case)   # checks: exactly 1 new token
    if draft.calls() != 0 or target.calls() != counted:
        raise AssertionError(f"{draft.calls()} draft calls and {target.calls()} target calls for {case}; "
                             f"expected none and {counted} (batch_next_token_dist(prefix, []) gives one row)")
    (draft, target, rng), _ = build(make, framework, TARGET, DRAFT_MISMATCHED, rng_seed)
    case = f"k=0, prefix {prefix}, {n} steps, seed {rng_seed}"
    steps = run_steps(solution, n, prefix, draft, target, k, rng, case)
    assert_distribution([new[0] for new in steps], target_dist(ToyTarget(TARGET), prefix), "the token produced", case)


@pytest.mark.category("side-effects")
def test_prefix_is_not_modified(solution, make, lend, seed):
    # Two kinds of evidence: the list as the worker reports it after a step, and, out of the solution's
    # reach, the prefix the target (lent: logged here) scores in the second of two steps given one list.
    prefix, rng_seed = [2, 1, 0], seed(71)
    for k in (1, 3):
        (lent_draft, lent_target, rng), (_, target) = build_counted(make, lend, TARGET, DRAFT_MISMATCHED, rng_seed)
        case = f"prefix {prefix}, k={k}, seed {rng_seed}"
        with classic_cause(STEP_HINT):
            out, args, _ = solution.speculative_step.with_inputs(list(prefix), lent_draft, lent_target, k, rng)
            solution.speculative_step.repeat(2, list(prefix), lent_draft, lent_target, k, rng)
        scored = [scored_prefix for scored_prefix, _ in target.calls_log()]
        if len(scored) != 3:
            raise AssertionError(f"the target was called {len(scored)} times in 3 steps with {case}; expected one "
                                 "call per step (see the call-count test)")
        if scored[2] != prefix:
            raise AssertionError(f"the second of two steps given the same list {prefix} ({case}) scored the prefix "
                                 f"{scored[2]}: the first step modified the caller's list. Return a new list "
                                 "(prefix + new tokens)")
        if args[0] != prefix:
            try:
                new_tokens(out, prefix, k, case)
                also = ""
            except AssertionError as wrong:
                also = f" The output is wrong too ({wrong}): see the correctness and statistics tests."
            raise AssertionError(f"the prefix became {args[0]} after a step with {case}; it must not be "
                                 f"modified: return a new list (prefix + new tokens).{also}")


@pytest.mark.category("determinism")
def test_same_seed_gives_the_same_tokens(solution, make, framework, fresh_solution, seed):
    # Once here and once in a fresh process whose global random states (np.random, random, torch's) were seeded
    # differently: tokens memoised in the process, or drawn from anything but the rng, differ there.
    prefix, k, n, rng_seed = [0, 2], 2, 30, seed(81)
    make("toys.common:seed_global_random", 1)
    fresh = fresh_solution(global_seed=2)
    runs = [seeded_run(there, build_there, framework, prefix, k, n, rng_seed)
            for there, build_there in ((solution, make), (fresh.solution, fresh.make))]
    if runs[0] != runs[1]:
        which = "speculative_step" if runs[0][0] != runs[1][0] else "sample_from_residual"
        raise AssertionError(f"{n} steps (k={k}, prefix {prefix}) and {n} residual samples from rngs seeded alike "
                             f"(seed {rng_seed}) differ ({which} first) between this process and a fresh one whose "
                             "global random state was seeded differently: all randomness must come from the rng "
                             "argument (not the global np.random / random / torch state, nor answers kept in the "
                             "process)")


def seeded_run(solution, make, framework, prefix, k, n, rng_seed):
    """n steps then n residual samples from toys and an rng built in `solution`'s process, as returned."""
    (draft, target, rng), _ = build(make, framework, TARGET, DRAFT_BLIND, rng_seed)
    with classic_cause(STEP_HINT):
        steps = solution.speculative_step.repeat(n, list(prefix), draft, target, k, rng)
    with classic_cause(RESIDUAL_HINT):
        residuals = solution.sample_from_residual.repeat(n, P_TARGET, P_DRAFT, rng)
    return repr(steps), repr(residuals)                           # compared as returned, whatever they are


# -- sample_from_residual ----------------------------------------------------------------------------

P_TARGET = np.array([0.35, 0.10, 0.30, 0.25, 0.00])
P_DRAFT = np.array([0.05, 0.30, 0.10, 0.15, 0.40])        # residual [0.30, 0, 0.20, 0.10, 0] / 0.6


def residual_samples(solution, p_target, p_draft, n, seed, make, case):
    rng = make("numpy.random:default_rng", seed)
    with classic_cause(RESIDUAL_HINT):
        out = solution.sample_from_residual.repeat(n, p_target, p_draft, rng)
    return [as_token(t, len(p_target), case) for t in out]


@pytest.mark.category("correctness")
def test_residual_with_one_token_left(solution, make, seed):
    p_target, p_draft = np.array([0.25, 0.25, 0.50]), np.array([0.50, 0.25, 0.25])   # residual [0, 0, 0.25]
    case = f"p_target {p_target.tolist()}, p_draft {p_draft.tolist()} (residual [0, 0, 0.25]), seed {seed(91)}"
    got = residual_samples(solution, p_target, p_draft, 20, seed(91), make, case)
    if set(got) != {2}:
        raise AssertionError(f"sampled {summary(got)} for {case}; only token 2 has residual mass, so every sample "
                             "must be 2")


@pytest.mark.category("statistics")
def test_residual_sample_distribution(solution, make, seed):
    n, rng_seed = 1500, seed(92)
    case = f"p_target {P_TARGET.tolist()}, p_draft {P_DRAFT.tolist()}, {n} samples, seed {rng_seed}"
    got = residual_samples(solution, P_TARGET, P_DRAFT, n, rng_seed, make, case)
    assert_distribution(got, {0: 0.5, 1: 0.0, 2: 1 / 3, 3: 1 / 6, 4: 0.0},
                        "the residual sample (expected max(0, p_target - p_draft) / 0.6)", case)


@pytest.mark.category("edge-case")
def test_all_zero_residual_falls_back_to_p_target(solution, make, seed):
    n, rng_seed = 1000, seed(93)
    p = np.array([0.50, 0.30, 0.20, 0.00])
    case = f"p_draft equal to p_target = {p.tolist()} (residual all zero), {n} samples, seed {rng_seed}"
    got = residual_samples(solution, p, p.copy(), n, rng_seed, make, case)
    assert_distribution(got, dict(enumerate(p)), "the sample (expected: from p_target)", case)


@pytest.mark.category("side-effects")
def test_residual_inputs_not_modified(solution, make, seed):
    rng = make("numpy.random:default_rng", seed(94))
    case = "sample_from_residual with the (5,) p_target and p_draft of the distribution test"
    _, args, _ = solution.sample_from_residual.with_inputs(P_TARGET.copy(), P_DRAFT.copy(), rng)
    assert_unchanged(args[0], P_TARGET, "p_target", case)
    assert_unchanged(args[1], P_DRAFT, "p_draft", case)
