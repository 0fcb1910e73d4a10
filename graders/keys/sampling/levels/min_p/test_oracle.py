"""The min_p level's references (NumPy reference.py and torch/reference.py) against an independent
oracle: Hugging Face style warpers written with torch's own ops (torch.softmax, torch.topk, an
ascending-sort top-p, min-p by masked_fill of the tokens below min_p * max), on random cases and on every
case of the hidden tests; by-hand examples (min_p = 0 and None are the kata's distribution, min_p = 1
keeps the tied maxima, the order of the filters); the facts the hidden tests rely on (no kept or removed
probability within 5% of a min-p threshold, expected counts >= 40); and both samplers by chi-square."""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graders.keys.sampling import reference as base  # noqa: E402
from graders.keys.sampling.levels.min_p import reference as ref  # noqa: E402

spec = importlib.util.spec_from_file_location("min_p_torch_reference", Path(__file__).parent / "torch" / "reference.py")
torch_ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(torch_ref)

TESTS = Path(__file__).resolve().parents[5] / "katas" / "sampling" / "levels" / "min_p" / "test_min_p.py"
spec = importlib.util.spec_from_file_location("hidden_min_p_tests", TESTS)
hidden = importlib.util.module_from_spec(spec)
with warnings.catch_warnings():                                      # its category marks are the grader's
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
    spec.loader.exec_module(hidden)


def oracle(logits, temperature=1.0, top_k=None, top_p=None, min_p=None):
    """Temperature, top-k, top-p, min-p as logit warpers with torch ops, then torch.softmax (float64)."""
    z = torch.from_numpy(np.asarray(logits, dtype=np.float64)) / temperature
    if top_k is not None and top_k < z.numel():
        kth = torch.topk(z, top_k).values[-1]
        z = z.masked_fill(z < kth, -torch.inf)
    if top_p is not None:
        ascending, index = torch.sort(torch.softmax(z, dim=-1))       # least probable first
        drop = torch.cumsum(ascending, dim=0) <= 1 - top_p             # the rest still has mass >= top_p
        drop[-1] = False
        z = z.clone()
        z[index[drop]] = -torch.inf
    if min_p is not None:
        probs = torch.softmax(z, dim=-1)
        z = z.masked_fill(probs < min_p * probs.max(), -torch.inf)
    return torch.softmax(z, dim=-1).numpy()


def both(logits, **kwargs):
    return ref.distribution(logits, **kwargs), torch_ref.distribution(torch.tensor(logits), **kwargs).numpy()


def random_cases(count=300):
    rng = np.random.default_rng(1)
    for i in range(count):
        V = int(rng.integers(2, 30))
        logits = rng.standard_normal(V) * rng.choice([0.3, 1.0, 3.0])
        if i % 3 == 0:
            logits[rng.random(V) < 0.3] = -np.inf
            logits[rng.integers(V)] = 0.5
        kwargs = dict(temperature=float(rng.choice([0.3, 1.0, 2.5])), min_p=float(rng.choice([0.0, 0.05, 0.2, 0.6, 1.0])))
        if rng.random() < 0.5:
            kwargs["top_k"] = int(rng.integers(1, V + 3))
        if rng.random() < 0.5:
            kwargs["top_p"] = float(rng.uniform(0.05, 1.0))
        yield logits, kwargs


def test_references_match_the_torch_oracle_on_random_cases():
    for logits, kwargs in random_cases():
        expected = oracle(logits, **kwargs)
        for got in both(logits, **kwargs):
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=str((logits, kwargs)))


def hidden_cases():
    return (hidden.MIN_P_CASES + hidden.AFTER_TOP_P_CASES + hidden.MIN_P_ONE_CASES + hidden.MIN_P_ZERO_CASES
            + hidden.MASKED_CASES)


def test_hidden_cases_match_the_oracle_with_expected_counts_of_at_least_40():
    for logits, kwargs, n, _, name in hidden_cases():
        expected = oracle(logits, **kwargs)
        for got in both(logits, **kwargs):
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=name)
        assert n * expected[expected > 0].min() >= 40, name


def test_hidden_thresholds_are_far_from_every_probability():
    # Deterministic cases too: [.4, .3, .2, .1] with temperature 0.5 / min_p 0.6 and top_k 2 / min_p 0.8.
    probs = hidden.log_probs(0.4, 0.3, 0.2, 0.1)
    cases = [(logits, kwargs) for logits, kwargs, *_ in hidden_cases()]
    cases += [(probs, dict(temperature=0.5, min_p=0.6)), (probs, dict(top_k=2, min_p=0.8))]
    for logits, kwargs in cases:
        if kwargs["min_p"] in (0.0, 1.0):
            continue                                                   # exact: nothing / the tied maxima
        before = oracle(logits, **{k: v for k, v in kwargs.items() if k != "min_p"})
        ratio = before[before > 0] / before.max()
        assert np.all(np.abs(ratio / kwargs["min_p"] - 1) > 0.05), (kwargs, ratio)


def test_by_hand_examples():
    probs = hidden.log_probs(0.4, 0.3, 0.2, 0.1)
    for got in both(probs, temperature=0.5, min_p=0.6) + both(probs, top_k=2, min_p=0.8):
        np.testing.assert_array_equal(got, [1.0, 0.0, 0.0, 0.0])
    for got in both(hidden.log_probs(0.5, 0.3, 0.15, 0.05), top_p=0.55, min_p=0.5):
        np.testing.assert_allclose(got, [0.625, 0.375, 0.0, 0.0], rtol=1e-12)
    for got in both(hidden.TIES, min_p=1.0) + both(hidden.TIES, temperature=5.0, min_p=1.0):
        np.testing.assert_array_equal(got, [0.0, 0.5, 0.5, 0.0, 0.0])
    for got in both(hidden.TOPP_8, min_p=0.25):                       # threshold 0.075 of the .30
        np.testing.assert_allclose(got, np.array([0, 30, 8, 20, 12, 0, 15, 0]) / 85, rtol=1e-12)


def test_min_p_zero_and_none_are_the_kata():
    for logits, kwargs in random_cases(60):
        plain = {k: v for k, v in kwargs.items() if k != "min_p"}
        expected = base.distribution(logits, **plain)
        for min_p in (None, 0.0):
            for got in both(logits, **plain, min_p=min_p):
                np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("min_p", [-0.1, 1.0 + 1e-9, 2.0])
def test_errors(min_p):
    for temperature in (0.0, 1.0):
        with pytest.raises(ValueError):
            ref.sample(np.zeros(3), temperature=temperature, min_p=min_p)
        with pytest.raises(ValueError):
            torch_ref.sample(torch.zeros(3), temperature=temperature, min_p=min_p)


def torch_chi2_sf(x, df):
    return float(torch.special.gammaincc(torch.tensor(df / 2, dtype=torch.float64),
                                         torch.tensor(x / 2, dtype=torch.float64)))


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_samplers_follow_the_distribution(framework):
    logits, kwargs = hidden.MIXED_10, dict(temperature=2.0, min_p=0.4)
    n, expected = 4000, oracle(logits, **kwargs)
    if framework == "numpy":
        rng = np.random.default_rng(5)
        tokens = [ref.sample(logits, rng=rng, **kwargs) for _ in range(n)]
    else:
        rng, t = torch.Generator().manual_seed(5), torch.tensor(logits)
        tokens = [torch_ref.sample(t, rng=rng, **kwargs) for _ in range(n)]
    counts = np.bincount(tokens, minlength=len(logits))
    assert counts[expected == 0].sum() == 0
    support = expected > 0
    stat = float((((counts - n * expected)[support]) ** 2 / (n * expected[support])).sum())
    assert torch_chi2_sf(stat, int(support.sum()) - 1) > 1e-4, (counts, n * expected)
