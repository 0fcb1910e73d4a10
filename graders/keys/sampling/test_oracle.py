"""The sampling reference (graders/keys/sampling/reference.py) against independent oracles:
torch.softmax / torch.topk / torch.sort for the filtered distribution, chi-square tests (torch's
incomplete gamma) for the sampler, enumeration with itertools.product for beam search; plus the
facts the hidden tests rely on (no near ties in their toys, both kinds of beam agreeing on their eos
cases, the chi-square helper and its calibration). The PyTorch reference (torch/reference.py) against
the same torch ops and the NumPy reference, its sampler by chi-square, its beam search on the hidden
toys in their torch mode. Run: pytest graders/keys/sampling/test_oracle.py"""

import functools
import importlib.util
import itertools
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graders.kataworker.toys.sampling import HashLM, ScriptedLM  # noqa: E402
from graders.keys.sampling import reference as ref  # noqa: E402

TESTS = Path(__file__).resolve().parents[3] / "katas" / "sampling" / "test_sampling.py"


@functools.cache
def hidden_tests():
    """The hidden test module, for its constants and helpers (its category marks are the grader's)."""
    spec = importlib.util.spec_from_file_location("hidden_sampling_tests", TESTS)
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        spec.loader.exec_module(module)
    return module


# -- the filtered distribution ------------------------------------------------------------------------

def torch_distribution(logits, temperature=1.0, top_k=None, top_p=None):
    """Temperature, top-k, top-p with torch ops, written independently (HF's ascending-sort top-p)."""
    z = torch.from_numpy(np.asarray(logits, dtype=np.float64))
    if temperature == 0:
        probs = torch.zeros_like(z)
        probs[int(torch.argmax(z))] = 1.0                      # torch.argmax: first maximal index
        return probs.numpy()
    probs = torch.softmax(z / temperature, dim=-1)
    if top_k is not None and top_k < z.numel():
        kept = torch.topk(probs, top_k).indices
        mask = torch.zeros_like(probs, dtype=torch.bool)
        mask[kept] = True
        probs = torch.where(mask, probs, torch.zeros_like(probs))
        probs = probs / probs.sum()
    if top_p is not None:
        ascending, index = torch.sort(probs)                   # least probable first
        tail = torch.cumsum(ascending, dim=0)                  # mass of this token and all below it
        drop = tail <= 1 - top_p                               # the rest still has mass >= top_p
        drop[-1] = False                                       # the most probable always stays
        probs = probs.clone()
        probs[index[drop]] = 0.0
        probs = probs / probs.sum()
    return probs.numpy()


def random_cases(count=300):
    rng = np.random.default_rng(0)
    for i in range(count):
        V = int(rng.integers(2, 30))
        logits = rng.standard_normal(V) * rng.choice([0.3, 1.0, 3.0])
        if i % 3 == 0:
            logits[rng.random(V) < 0.3] = -np.inf
            logits[rng.integers(V)] = 0.5                      # at least one finite logit
        temperature = float(rng.choice([0.0, 0.3, 1.0, 2.5]))
        top_k = None if rng.random() < 0.3 else int(rng.integers(1, V + 3))
        top_p = None if rng.random() < 0.3 else float(rng.uniform(0.05, 1.0))
        yield logits, temperature, top_k, top_p


def test_distribution_matches_torch_on_random_cases():
    for logits, temperature, top_k, top_p in random_cases():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = ref.distribution(logits, temperature, top_k, top_p)
        expected = torch_distribution(logits, temperature, top_k, top_p)
        # A top-p cutoff within rounding of a cumulative mass could legitimately differ: none here.
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15,
                                   err_msg=f"T={temperature}, top_k={top_k}, top_p={top_p}, logits={logits}")


def distribution_cases():
    """Every (logits, kwargs, draws, seed, name) the hidden distribution tests use."""
    t = hidden_tests()
    return (t.PLAIN_CASES + t.TEMPERATURE_CASES + t.TOP_K_CASES + t.TOP_P_CASES + t.PIPELINE_CASES
            + t.MASKED_CASES + t.HUGE_CASES + t.UNIFORM_CASES)


def test_distribution_of_the_hidden_tests_cases_matches_torch():
    for logits, kwargs, _, _, name in distribution_cases():
        np.testing.assert_allclose(ref.distribution(logits, **kwargs), torch_distribution(logits, **kwargs),
                                   rtol=1e-12, atol=1e-15, err_msg=name)


def test_expected_counts_of_the_hidden_tests_are_at_least_40():
    for logits, kwargs, n, _, name in distribution_cases():
        probs = ref.distribution(logits, **kwargs)
        assert n * probs[probs > 0].min() >= 40, (name, kwargs, n * probs[probs > 0].min())


def test_hidden_top_p_cuts_are_far_from_every_cumulative_mass():
    # Apart from the exact-boundary test, no top_p of the hidden tests lies within rounding of a
    # cumulative mass, so every correct cutoff rule keeps the same tokens.
    t = hidden_tests()
    cases = [(logits, kwargs.get("temperature", 1.0), kwargs.get("top_k"), kwargs["top_p"])
             for logits, kwargs, _, _, _ in distribution_cases() if kwargs.get("top_p", 1.0) < 1.0]
    cases += [(t.LOGITS_6, 1.0, 3, 0.9), (np.array([0.2, 0.9, -0.3, 0.1]), 1.0, 3, 0.8), (t.MIXED_10, 0.7, 4, 0.8),
              (np.log([0.4, 0.3, 0.2, 0.1]), 1.0, 2, 0.5), (np.log([0.4, 0.3, 0.2, 0.1]), 0.5, None, 0.5)]
    assert len(cases) == 9
    for logits, temperature, top_k, top_p in cases:
        cumulative = np.cumsum(np.sort(ref.distribution(logits, temperature, top_k))[::-1])
        assert np.abs(cumulative - top_p).min() > 0.01, (temperature, top_k, top_p, cumulative)


def test_top_p_rules():
    # mass exactly at the boundary stops; a tiny top_p keeps the argmax; 1.0 keeps all
    for position in range(3):
        logits = np.zeros(3)
        logits[position] = math.log(2.0)
        expected = np.zeros(3)
        expected[position] = 1.0
        np.testing.assert_array_equal(ref.distribution(logits, top_p=0.5), expected)
    np.testing.assert_array_equal(ref.distribution(np.array([0.1, 2.0, -1.0]), top_p=1e-9), [0.0, 1.0, 0.0])
    np.testing.assert_allclose(ref.distribution(np.zeros(10), top_p=1.0), np.full(10, 0.1), rtol=1e-15)
    # top-p on the renormalised top-k, after the temperature
    probs = np.log([0.4, 0.3, 0.2, 0.1])
    np.testing.assert_array_equal(ref.distribution(probs, top_k=2, top_p=0.5), [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(ref.distribution(probs, temperature=0.5, top_p=0.5), [1.0, 0.0, 0.0, 0.0])
    assert (ref.distribution(probs, top_p=0.5) > 0).sum() == 2


def test_greedy_and_top_k_one_take_the_lowest_index_on_ties():
    logits = np.array([1.0, 3.0, 3.0, 2.0])
    assert ref.sample(logits, temperature=0.0) == 1
    np.testing.assert_array_equal(ref.distribution(logits, top_k=1), [0.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(ref.distribution(logits, temperature=5.0, top_k=1), [0.0, 1.0, 0.0, 0.0])


def test_errors():
    for kwargs in (dict(temperature=-1.0), dict(top_k=0), dict(top_p=0.0), dict(top_p=1.5),
                   dict(temperature=0.0, top_k=0), dict(temperature=0.0, top_p=2.0)):
        with pytest.raises(ValueError):
            ref.sample(np.zeros(3), **kwargs)
    for kwargs in ({}, dict(temperature=0.0)):
        with pytest.raises(ValueError):
            ref.sample(np.array([0.0, np.nan]), **kwargs)


# -- the sampler -------------------------------------------------------------------------------------------

def torch_chi2_sf(x, df):
    return float(torch.special.gammaincc(torch.tensor(df / 2, dtype=torch.float64),
                                         torch.tensor(x / 2, dtype=torch.float64)))


def test_hidden_tests_chi2_helper_matches_torch():
    chi2_sf = hidden_tests().chi2_sf
    for df in range(1, 15):
        for x in (0.1, 1.0, 5.0, 20.0, 45.0, 100.0, 400.0):
            assert chi2_sf(x, df) == pytest.approx(torch_chi2_sf(x, df), rel=1e-10, abs=1e-300)


@pytest.mark.parametrize("kwargs", [{}, dict(temperature=0.5), dict(top_k=3), dict(top_p=0.7),
                                    dict(temperature=0.8, top_k=5, top_p=0.75)])
def test_sampler_follows_the_distribution(kwargs):
    logits = hidden_tests().MIXED_10
    probs = ref.distribution(logits, **kwargs)
    rng = np.random.default_rng(2024)
    n = 20_000
    counts = np.bincount([ref.sample(logits, rng=rng, **kwargs) for _ in range(n)], minlength=logits.size)
    assert counts[probs == 0].sum() == 0
    support = probs > 0
    expected = n * probs[support]
    stat = float(((counts[support] - expected) ** 2 / expected).sum())
    assert torch_chi2_sf(stat, int(support.sum()) - 1) > 1e-4, (kwargs, counts, expected)


def test_pearson_tail_is_close_to_chi_square_at_40_expected_counts():
    # The hidden tests reject at chi-square p < 1e-7 with expected counts >= 40, where the Pearson
    # statistic's true tail is somewhat heavier than the chi-square one. On the tightest case
    # (temperature 0.5 on MILD_6, n = 800, expected counts >= 43) 4e5 simulated multinomials exceed
    # the 1e-4 critical value 1.1-1.3x as often as nominal (1e7 simulations: ~1.2x at 1e-4, ~1.5x at 1e-5).
    probs = ref.distribution(hidden_tests().MILD_6, temperature=0.5)
    n, df, sims = 800, probs.size - 1, 400_000
    lo, hi = 0.0, 200.0
    for _ in range(100):                                       # the chi-square critical value at 1e-4
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if torch_chi2_sf(mid, df) > 1e-4 else (lo, mid)
    counts = np.random.default_rng(5).multinomial(n, probs, size=sims)
    stats = ((counts - n * probs) ** 2 / (n * probs)).sum(axis=1)
    assert (stats > hi).mean() / 1e-4 < 2.0                    # 40 exceedances expected at nominal


# -- beam search ----------------------------------------------------------------------------------------

def enumerate_hypotheses(lm, prefix, max_new_tokens, eos_id=None):
    """Every complete hypothesis with its score, by itertools.product over token sequences."""
    V = len(lm(prefix))
    seen = {}
    for sequence in itertools.product(range(V), repeat=max_new_tokens):
        if eos_id is not None and eos_id in sequence:
            sequence = sequence[:sequence.index(eos_id) + 1]  # generation stops at the first eos
        if sequence in seen:
            continue
        tokens, score = list(prefix), 0.0
        for t in sequence:
            score += lm(tokens)[t]
            tokens.append(t)
        seen[sequence] = (tokens, score)
    return list(seen.values())


def all_partial_scores(lm, prefix, max_new_tokens, eos_id=None):
    """Scores of every partial hypothesis of every length (what a beam ever compares)."""
    scores, frontier = [], [(list(prefix), 0.0)]
    for _ in range(max_new_tokens):
        grown = []
        for tokens, score in frontier:
            for t, lp in enumerate(lm(tokens)):
                scores.append(score + lp)
                if t != eos_id:
                    grown.append((tokens + [t], score + lp))
        frontier = grown
    return np.sort(scores)


def beam_with_finished_aside(lm, prefix, width, max_new_tokens, eos_id=None):
    """The other legal kind of beam: finished hypotheses leave the beam for a separate list, and
    the beam is refilled with the best unfinished candidates."""
    beam, finished = [(list(prefix), 0.0)], []
    for _ in range(max_new_tokens):
        candidates = sorted(((tokens + [t], score + lp) for tokens, score in beam for t, lp in enumerate(lm(tokens))),
                            key=lambda c: -c[1])
        finished += [c for c in candidates[:width] if c[0][-1] == eos_id]
        beam = [c for c in candidates if c[0][-1] != eos_id][:width]
        if not beam:
            break
    return max(finished + beam, key=lambda c: c[1])


@pytest.mark.parametrize("V, seed, T, eos",
                         [(3, 1, 4, None), (4, 2, 3, None), (4, 3, 4, 3), (5, 4, 3, 0), (2, 5, 6, 1)])
def test_wide_beam_is_exhaustive_search(V, seed, T, eos):
    lm = HashLM(V, seed, eos_id=eos, eos_shift=0.5 if eos is not None else 0.0)
    tokens, score = max(enumerate_hypotheses(lm, [1, 0], T, eos), key=lambda h: h[1])
    got_tokens, got_score = ref.beam_search(lm, [1, 0], V ** T, T, eos)
    assert got_tokens == tokens and got_score == pytest.approx(score, rel=1e-12)


@pytest.mark.parametrize("V, seed, T, eos", [(4, 22, 3, None), (5, 17, 3, None), (4, 9, 4, 3), (6, 1, 5, 2)])
def test_beam_width_one_is_greedy(V, seed, T, eos):
    lm = HashLM(V, seed, eos_id=eos, eos_shift=0.5 if eos is not None else 0.0)
    tokens, score = [1, 0], 0.0
    for _ in range(T):
        t = int(torch.argmax(torch.from_numpy(lm(tokens))))
        score += lm(tokens)[t]
        tokens = tokens + [t]
        if t == eos:
            break
    got_tokens, got_score = ref.beam_search(lm, [1, 0], 1, T, eos)
    assert got_tokens == tokens and got_score == pytest.approx(score, rel=1e-12)


HIDDEN_HASH_CASES = [  # (V, seed, toy kwargs, prefix, max_new_tokens, eos_id): every HashLM the hidden tests use
    (3, 20, dict(scale=1.0), [1, 0], 5, None), (4, 17, dict(scale=1.0), [1, 0], 3, None),
    (4, 16, dict(eos_id=3, eos_shift=0.5), [2, 1], 4, 3), (4, 18, dict(eos_id=3, eos_shift=0.5), [2, 1], 4, 3),
    (4, 22, dict(scale=1.0), [1, 0], 3, None), (5, 17, dict(scale=1.0), [1, 0], 3, None),
    (4, 9, dict(eos_id=3, eos_shift=0.5), [2, 1], 4, 3), (3, 12, dict(scale=2.5), [1, 0], 4, None),
    (3, 44, dict(scale=1.0), [1, 0], 4, None), (5, 47, dict(scale=1.0), [1, 0], 3, None),
    (6, 5, {}, [3, 1, 4, 1, 5], 3, None), (4, 22, dict(scale=1.0), [1, 0], 3, None),
]
HIDDEN_SCRIPTED_CASES = [  # (rows, default, prefix, beam_width, max_new_tokens, eos_id, expected tokens)
    ([[[1, 2], [0.15, 0.2, 0.05, 0.6]]], [0.4, 0.3, 0.2, 0.1], [1, 2], 2, 4, 3, [1, 2, 3]),
    ([[[1, 2], [0.55, 0.05, 0.10, 0.30]], [[1, 2, 0], [0.02, 0.95, 0.02, 0.01]],
      [[1, 2, 0, 1], [0.95, 0.02, 0.02, 0.01]], [[1, 2, 0, 1, 0], [0.02, 0.02, 0.95, 0.01]]],
     [0.25] * 4, [1, 2], 2, 4, 3, [1, 2, 0, 1, 0, 2]),
    ([[[0], [0.40, 0.05, 0.05, 0.50]], [[0, 0], [0.97, 0.01, 0.01, 0.01]], [[0, 0, 0], [0.97, 0.01, 0.01, 0.01]]],
     [0.25] * 4, [0], 3, 3, 3, [0, 3]),
]


@pytest.mark.parametrize("V, seed, kwargs, prefix, T, eos", HIDDEN_HASH_CASES)
def test_hidden_toys_have_no_near_ties_and_both_kinds_of_beam_agree(V, seed, kwargs, prefix, T, eos):
    lm = HashLM(V, seed, **kwargs)
    assert np.diff(all_partial_scores(lm, prefix, T, eos)).min() > 1e-6
    for width in (1, 2, 3, 4, V ** T):
        assert ref.beam_search(lm, prefix, width, T, eos)[0] == beam_with_finished_aside(lm, prefix, width, T, eos)[0]


@pytest.mark.parametrize("rows, default, prefix, width, T, eos, expected", HIDDEN_SCRIPTED_CASES)
def test_hidden_scripted_cases(rows, default, prefix, width, T, eos, expected):
    lm = ScriptedLM(rows, default)
    assert max(enumerate_hypotheses(lm, prefix, T, eos), key=lambda h: h[1])[0] == expected
    for w in (1, width, 10):
        assert ref.beam_search(lm, prefix, w, T, eos)[0] == expected
        assert beam_with_finished_aside(lm, prefix, w, T, eos)[0] == expected


def test_hidden_width_cases_tell_neighbouring_widths_apart():
    def best(V, seed, kwargs, prefix, T, eos, width):
        return ref.beam_search(HashLM(V, seed, **kwargs), prefix, width, T, eos)[0]
    # greedy differs from width 2; exhaustive differs from width 3
    for case in HIDDEN_HASH_CASES[4:7]:
        assert best(*case, 1) != best(*case, 2)
    assert best(*HIDDEN_HASH_CASES[0], 3 ** 5) != best(*HIDDEN_HASH_CASES[0], 3)
    # each intermediate width differs from a neighbour
    assert best(*HIDDEN_HASH_CASES[7], 2) not in (best(*HIDDEN_HASH_CASES[7], 1), best(*HIDDEN_HASH_CASES[7], 81))
    assert best(*HIDDEN_HASH_CASES[8], 3) not in (best(*HIDDEN_HASH_CASES[8], 2), best(*HIDDEN_HASH_CASES[8], 81))
    assert best(*HIDDEN_HASH_CASES[9], 3) not in (best(*HIDDEN_HASH_CASES[9], 2), best(*HIDDEN_HASH_CASES[9], 125))
    assert best(*HIDDEN_HASH_CASES[2], 2) not in (best(*HIDDEN_HASH_CASES[2], 1), best(*HIDDEN_HASH_CASES[2], 3))


def test_zero_new_tokens_and_prefix_untouched():
    lm = HashLM(4, 3)
    prefix = [2, 0, 1]
    assert ref.beam_search(lm, prefix, 2, 0, 3) == ([2, 0, 1], 0.0)
    ref.beam_search(lm, prefix, 2, 3)
    assert prefix == [2, 0, 1]


# -- the PyTorch reference (graders/keys/sampling/torch/reference.py) -----------------------------------

@functools.cache
def torch_reference():
    path = Path(__file__).with_name("torch") / "reference.py"
    spec = importlib.util.spec_from_file_location("sampling_torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_torch_distribution_matches_torch_ops_and_the_numpy_reference():
    tref = torch_reference()
    cases = list(random_cases()) + [(logits, kwargs.get("temperature", 1.0), kwargs.get("top_k"), kwargs.get("top_p"))
                                    for logits, kwargs, _, _, _ in distribution_cases()]
    for logits, temperature, top_k, top_p in cases:
        got = tref.distribution(torch.from_numpy(logits), temperature, top_k, top_p)
        assert got.dtype == torch.float64
        where = f"T={temperature}, top_k={top_k}, top_p={top_p}, logits={logits}"
        np.testing.assert_allclose(got.numpy(), torch_distribution(logits, temperature, top_k, top_p),
                                   rtol=1e-12, atol=1e-15, err_msg=where)
        np.testing.assert_allclose(got.numpy(), ref.distribution(logits, temperature, top_k, top_p),
                                   rtol=1e-14, atol=1e-16, err_msg=where)   # the same float64 steps


def test_the_torch_distribution_of_float32_logits_is_the_float64_one():
    tref = torch_reference()
    logits = np.array([100.0, 99.0, 99.5, 98.5, -np.inf], dtype=np.float32)
    got = tref.distribution(torch.from_numpy(logits), 0.5, 3, 0.9)
    np.testing.assert_allclose(got.numpy(), ref.distribution(logits, 0.5, 3, 0.9), rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("kwargs", [{}, dict(temperature=0.8, top_k=5, top_p=0.75)])
def test_the_torch_sampler_follows_the_distribution(kwargs):
    # The filtered distribution is checked exactly above; this checks the draw from it (torch.multinomial
    # with the generator), with and without zero-probability tokens.
    tref = torch_reference()
    logits = hidden_tests().MIXED_10
    probs = ref.distribution(logits, **kwargs)
    generator, t = torch.Generator().manual_seed(2024), torch.from_numpy(logits)
    n = 10_000
    counts = np.bincount([tref.sample(t, rng=generator, **kwargs) for _ in range(n)], minlength=logits.size)
    assert counts[probs == 0].sum() == 0
    support = probs > 0
    expected = n * probs[support]
    stat = float(((counts[support] - expected) ** 2 / expected).sum())
    assert torch_chi2_sf(stat, int(support.sum()) - 1) > 1e-4, (kwargs, counts, expected)


def test_the_torch_sampler_uses_only_its_generator_and_leaves_the_logits_alone():
    tref = torch_reference()
    for dtype in (torch.float64, torch.float32):
        logits = torch.tensor([0.5, -1.0, 1.5, 0.2, 3.0, -torch.inf], dtype=dtype)
        before = logits.clone()
        runs = []
        for global_seed in (1, 2):
            torch.manual_seed(global_seed)
            generator = torch.Generator().manual_seed(7)
            runs.append([tref.sample(logits, 0.7, 4, 0.9, rng=generator) for _ in range(50)])
        assert runs[0] == runs[1] and all(type(token) is int and token != 5 for token in runs[0])
        assert torch.equal(logits, before)


def test_the_torch_reference_greedy_ties_and_errors():
    tref = torch_reference()
    logits = torch.tensor([1.0, 3.0, 3.0, 2.0], dtype=torch.float64)
    assert tref.sample(logits, temperature=0.0) == 1
    assert tref.sample(logits, top_k=1, rng=torch.Generator().manual_seed(0)) == 1
    for kwargs in (dict(temperature=-1.0), dict(top_k=0), dict(top_p=0.0), dict(top_p=1.5),
                   dict(temperature=0.0, top_k=0), dict(temperature=0.0, top_p=2.0)):
        with pytest.raises(ValueError):
            tref.sample(torch.zeros(3), **kwargs)
    for kwargs in ({}, dict(temperature=0.0)):
        with pytest.raises(ValueError):
            tref.sample(torch.tensor([0.0, float("nan")]), **kwargs)


def test_the_toys_in_torch_mode_give_the_same_numbers_as_tensors():
    for toy, tokens in ((HashLM(5, 3, eos_id=2, eos_shift=0.5), [1, 0, 4]),
                        (ScriptedLM([[[1, 2], [0.2, 0.3, 0.5]]], [0.5, 0.3, 0.2]), [1, 2])):
        twin = type(toy)(*toy_args(toy), framework="torch")
        for context in (tokens, [], torch.tensor(tokens), [torch.tensor(t) for t in tokens]):
            got = twin(context)
            assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
            np.testing.assert_array_equal(got.numpy(), toy(tokens if len(context) else []))
    with pytest.raises(ValueError):
        HashLM(4, 1, framework="jax")


def toy_args(toy):
    """The constructor arguments of a HashLM or ScriptedLM, to build its twin in another framework."""
    if isinstance(toy, HashLM):
        return toy.vocab_size, toy.seed, toy.scale, toy.eos_id, toy.eos_shift
    rows = [[list(tokens), np.exp(log_probs).tolist()] for tokens, log_probs in toy.rows.items()]
    return rows, np.exp(toy.default).tolist()


@pytest.mark.parametrize("V, seed, kwargs, prefix, T, eos", HIDDEN_HASH_CASES)
def test_the_torch_beam_search_matches_the_numpy_reference_on_the_hidden_toys(V, seed, kwargs, prefix, T, eos):
    tref = torch_reference()
    lm, torch_lm = HashLM(V, seed, **kwargs), HashLM(V, seed, framework="torch", **kwargs)
    for width in (1, 2, 3, 4, V ** T):
        tokens, score = tref.beam_search(torch_lm, prefix, width, T, eos)
        assert (tokens, score) == ref.beam_search(lm, prefix, width, T, eos)   # the same float64 sums, in order
        assert all(type(t) is int for t in tokens) and type(score) is float
    best = max(enumerate_hypotheses(lm, prefix, T, eos), key=lambda h: h[1])
    assert tref.beam_search(torch_lm, prefix, V ** T, T, eos)[0] == best[0]


@pytest.mark.parametrize("rows, default, prefix, width, T, eos, expected", HIDDEN_SCRIPTED_CASES)
def test_the_torch_beam_search_on_the_hidden_scripted_cases(rows, default, prefix, width, T, eos, expected):
    tref = torch_reference()
    for w in (1, width, 10):
        assert tref.beam_search(ScriptedLM(rows, default, framework="torch"), list(prefix), w, T, eos)[0] == expected
