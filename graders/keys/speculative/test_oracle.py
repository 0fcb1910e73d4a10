"""The speculative reference (graders/keys/speculative/reference.py) against an independent oracle:
the EXACT distribution of everything one step can produce, by exhaustive enumeration of every draft
sequence and every accept/reject outcome (no sampling). The oracle first confirms the theorem the
hidden tests rely on (the first token, and the first two tokens of the generated text, follow the
target exactly, whatever the draft), and the hidden tests' own helpers (the produced-count
enumeration, the chi-square tail checked against torch); then the reference's empirical outputs are
compared with the exact distribution of whole outputs, a stronger check than any hidden test makes.
The PyTorch reference (torch/reference.py) meets the same oracle, with the toys in their PyTorch mode
and a torch.Generator, and the NumPy reference where nothing is random (one-hot tables).
"""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

from graders.kataworker.toys.speculative import ToyDraft, ToyTarget
from graders.keys.speculative import reference as ref

HIDDEN = Path(__file__).resolve().parents[3] / "katas" / "speculative" / "test_speculative.py"


def hidden_tests():
    """The hidden test module (its tables and helpers), loaded without collecting its tests; its
    `category` marks are registered by the grading plugin only, hence the silenced warning."""
    spec = importlib.util.spec_from_file_location("hidden_test_speculative", HIDDEN)
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        spec.loader.exec_module(module)
    return module


H = hidden_tests()
PAIRS = {  # name -> (target table, draft table), the hidden tests' toys
    "mismatched": (H.TARGET, H.DRAFT_MISMATCHED),
    "draft misses target mass": (H.TARGET, H.DRAFT_BLIND),
    "target misses draft mass": (H.TARGET_SPARSE, H.DRAFT_OVERCONFIDENT),
    "draft equals target": (H.TARGET, H.TARGET),
}


def exact_outputs(draft, target, prefix, k):
    """{tuple of new tokens: probability} of one step, by following the algorithm literally: the
    draft proposes t with probability q[t], the coin keeps it with probability min(1, p[t]/q[t]),
    a rejection draws from the renormalised residual (p itself if the residual is all zero), and
    k kept drafts are followed by a bonus from p(. | prefix + drafts)."""
    out = {}

    def add(tokens, weight):
        out[tokens] = out.get(tokens, 0.0) + weight

    def walk(context, kept, weight):
        p = target.next_token_dist(context)                          # (V,)
        if len(kept) == k:
            for b in np.flatnonzero(p):
                add(kept + (int(b),), weight * p[b])
            return
        q = draft.next_token_dist(context)                           # (V,)
        residual = np.maximum(p - q, 0.0)
        residual = residual / residual.sum() if residual.sum() > 0 else p
        for t in np.flatnonzero(q):
            keep = min(1.0, p[t] / q[t])
            if keep > 0:
                walk(context + [int(t)], kept + (int(t),), weight * q[t] * keep)
            if keep < 1:                                              # rejected: one residual token
                for b in np.flatnonzero(residual):
                    add(kept + (int(b),), weight * q[t] * (1 - keep) * residual[b])

    walk(list(prefix), (), 1.0)
    return out


def toys(name):
    target_table, draft_table = PAIRS[name]
    return ToyDraft(draft_table), ToyTarget(target_table)


CASES = [(name, prefix, k) for name in PAIRS for prefix in ([0], [2, 1]) for k in range(4)]


@pytest.mark.parametrize("name, prefix, k", CASES)
def test_exact_first_token_and_generated_pair_follow_the_target(name, prefix, k):
    draft, target = toys(name)
    dist = exact_outputs(draft, target, prefix, k)
    assert abs(sum(dist.values()) - 1.0) < 1e-12
    assert all(1 <= len(out) <= k + 1 for out in dist)
    first = np.zeros(3)
    for out, prob in dist.items():
        first[out[0]] += prob
    np.testing.assert_allclose(first, target.next_token_dist(prefix), rtol=0, atol=1e-12)

    # The first two tokens of the text: a one-token step is continued by the first token of a new step.
    pair = np.zeros((3, 3))
    for out, prob in dist.items():
        if len(out) >= 2:
            pair[out[0], out[1]] += prob
        else:
            for more, p_more in exact_outputs(draft, target, prefix + [out[0]], k).items():
                pair[out[0], more[0]] += prob * p_more
    expected = np.array([[target.next_token_dist(prefix)[a] * target.next_token_dist(prefix + [a])[b]
                          for b in range(3)] for a in range(3)])
    np.testing.assert_allclose(pair, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name, prefix, k", CASES)
def test_hidden_produced_count_enumeration_matches_the_oracle(name, prefix, k):
    draft, target = toys(name)
    lengths = dict.fromkeys(range(1, k + 2), 0.0)
    for out, prob in exact_outputs(draft, target, prefix, k).items():
        lengths[len(out)] += prob
    hidden = H.produced_count_probs(draft, target, prefix, k)
    np.testing.assert_allclose([hidden[m] for m in lengths], list(lengths.values()), rtol=0, atol=1e-12)


def test_draft_equal_to_target_always_produces_k_plus_one_tokens():
    draft, target = toys("draft equals target")
    for k in range(4):
        dist = exact_outputs(draft, target, [1], k)
        assert sum(p for out, p in dist.items() if len(out) == k + 1) == pytest.approx(1.0, abs=1e-12)


def test_hidden_chi2_tail_matches_torch():
    torch = pytest.importorskip("torch")
    for df in range(1, 21):
        x = torch.tensor([0.01, 0.5, 1.0, 3.0, 10.0, 30.0, 60.0, 120.0, 300.0], dtype=torch.float64)
        expected = torch.special.gammaincc(torch.tensor(df / 2, dtype=torch.float64), x / 2).numpy()
        got = np.array([H.chi2_sf(float(v), df) for v in x])
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-300)


def chi_square_p(counts, probs, min_expected=20.0):
    """Pearson's p-value of observed counts against {outcome: probability}; an outcome of probability 0
    must never occur, and the outcomes expecting fewer than min_expected counts are pooled."""
    n = sum(counts.values())
    unexpected = [out for out in counts if probs.get(out, 0.0) == 0.0]
    assert not unexpected, f"outcomes of probability 0 produced: {unexpected}"
    ordered = sorted((out for out, p in probs.items() if p > 0), key=lambda out: -probs[out])
    observed, expected = [], []
    for out in ordered:                                      # most probable first; the rare tail pooled
        if expected and expected[-1] < min_expected:
            observed[-1] += counts.get(out, 0)
            expected[-1] += n * probs[out]
        else:
            observed.append(counts.get(out, 0))
            expected.append(n * probs[out])
    if len(expected) > 1 and expected[-1] < min_expected:     # a pooled tail still too small: into the cell before
        observed[-2] += observed.pop()
        expected[-2] += expected.pop()
    observed, expected = np.array(observed, float), np.array(expected, float)
    stat = float(((observed - expected) ** 2 / expected).sum())
    return H.chi2_sf(stat, len(expected) - 1)


@pytest.mark.parametrize("name, prefix, k, seed", [
    ("mismatched", [1, 2, 0], 2, 1), ("draft misses target mass", [0, 1], 3, 2),
    ("target misses draft mass", [2], 2, 3), ("mismatched", [2], 0, 4), ("draft equals target", [0, 1], 2, 5)])
def test_reference_outputs_follow_the_exact_distribution(name, prefix, k, seed):
    draft, target = toys(name)
    rng = np.random.default_rng(seed)
    n = 10_000
    counts = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(n):
            out = ref.speculative_step(prefix, draft, target, k, rng)
            assert out[:len(prefix)] == prefix
            new = tuple(out[len(prefix):])
            counts[new] = counts.get(new, 0) + 1
    assert target.calls() == n and draft.calls() == n * k
    assert chi_square_p(counts, exact_outputs(draft, target, prefix, k)) > 1e-6


def test_reference_leaves_the_prefix_alone_and_logs_the_right_contexts():
    draft, target = toys("mismatched")
    prefix = [2, 0, 1]
    out = ref.speculative_step(prefix, draft, target, 3, np.random.default_rng(6))
    assert prefix == [2, 0, 1] and out is not prefix
    (scored_prefix, drafts), = target.calls_log()
    assert scored_prefix == prefix and len(drafts) == 3
    assert draft.calls_log() == [prefix + drafts[:i] for i in range(3)]
    new = out[len(prefix):]
    assert new[:-1] == drafts[:len(new) - 1]


@pytest.mark.parametrize("p_target, p_draft", [
    ([0.35, 0.10, 0.30, 0.25, 0.00], [0.05, 0.30, 0.10, 0.15, 0.40]),
    ([0.50, 0.30, 0.20, 0.00], [0.50, 0.30, 0.20, 0.00]),           # residual all zero: p_target
    ([0.25, 0.25, 0.50], [0.50, 0.25, 0.25]),                       # one token left
])
def test_residual_sampler_follows_the_residual(p_target, p_draft):
    p_target, p_draft = np.array(p_target), np.array(p_draft)
    saved = p_target.copy(), p_draft.copy()
    residual = np.clip(p_target - p_draft, 0, None)
    expected = residual / residual.sum() if residual.sum() > 0 else p_target
    rng = np.random.default_rng(7)
    n = 10_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        samples = [ref.sample_from_residual(p_target, p_draft, rng) for _ in range(n)]
    assert all(type(s) is int for s in samples)
    counts = {t: samples.count(t) for t in set(samples)}
    assert chi_square_p(counts, dict(enumerate(expected))) > 1e-6
    np.testing.assert_array_equal(p_target, saved[0])
    np.testing.assert_array_equal(p_draft, saved[1])


# -- the PyTorch reference (graders/keys/speculative/torch/reference.py) -------------------------------
# The same oracle, with the toys in their PyTorch mode (float64 tensors out) and a torch.Generator;
# then the NumPy reference, where the outcome is certain (one-hot tables: no draw can differ).

def _torch_reference():
    path = Path(__file__).with_name("torch") / "reference.py"
    spec = importlib.util.spec_from_file_location("speculative_torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torch_toys(name):
    target_table, draft_table = PAIRS[name]
    return ToyDraft(draft_table, framework="torch"), ToyTarget(target_table, framework="torch")


def test_the_toys_torch_mode_hands_out_float64_tensors_and_takes_tensor_tokens():
    torch = pytest.importorskip("torch")
    draft, target = torch_toys("mismatched")
    q = draft(torch.tensor([2, 0]))                                   # a 1-D integer tensor context
    p = target.batch_next_token_dist([1, torch.tensor(2)], torch.tensor([0, 1]))   # 0-d tensor tokens
    assert isinstance(q, torch.Tensor) and q.dtype == torch.float64 and q.tolist() == H.DRAFT_MISMATCHED[0].tolist()
    assert isinstance(p, torch.Tensor) and p.dtype == torch.float64 and p.shape == (3, 3)
    np.testing.assert_array_equal(p.numpy(), H.TARGET[[2, 0, 1]])
    assert draft.calls_log() == [[2, 0]] and target.calls_log() == [[[1, 2], [0, 1]]]
    p[0, 0] = 5.0                                                     # the solution's own copy
    assert target.next_token_dist([2])[0] == H.TARGET[2, 0]


@pytest.mark.parametrize("name, prefix, k, seed", [
    ("mismatched", [1, 2, 0], 2, 1), ("draft misses target mass", [0, 1], 3, 2),
    ("target misses draft mass", [2], 1, 3), ("draft equals target", [0, 1], 2, 5)])
def test_torch_reference_outputs_follow_the_exact_distribution(name, prefix, k, seed):
    torch = pytest.importorskip("torch")
    tref = _torch_reference()
    draft, target = torch_toys(name)
    rng = torch.Generator().manual_seed(seed)
    n = 4000                                                          # ~0.15 ms a step
    counts = {}
    for _ in range(n):
        out = tref.speculative_step(prefix, draft, target, k, rng)
        assert out[:len(prefix)] == prefix and all(type(t) is int for t in out)
        new = tuple(out[len(prefix):])
        counts[new] = counts.get(new, 0) + 1
    assert target.calls() == n and draft.calls() == n * k
    assert chi_square_p(counts, exact_outputs(draft, target, prefix, k)) > 1e-6


@pytest.mark.parametrize("p_target, p_draft", [
    ([0.35, 0.10, 0.30, 0.25, 0.00], [0.05, 0.30, 0.10, 0.15, 0.40]),
    ([0.50, 0.30, 0.20, 0.00], [0.50, 0.30, 0.20, 0.00]),           # residual all zero: p_target
])
def test_torch_residual_sampler_follows_the_residual_and_leaves_its_inputs(p_target, p_draft):
    torch = pytest.importorskip("torch")
    tref = _torch_reference()
    p_t, p_d = torch.tensor(p_target, dtype=torch.float64), torch.tensor(p_draft, dtype=torch.float64)
    residual = np.clip(np.array(p_target) - p_draft, 0, None)
    expected = residual / residual.sum() if residual.sum() > 0 else np.array(p_target)
    rng = torch.Generator().manual_seed(7)
    samples = [tref.sample_from_residual(p_t, p_d, rng) for _ in range(5000)]
    assert all(type(s) is int for s in samples)
    assert chi_square_p({t: samples.count(t) for t in set(samples)}, dict(enumerate(expected))) > 1e-6
    assert p_t.tolist() == p_target and p_d.tolist() == p_draft


ONE_HOT = np.eye(3)[[1, 2, 0]]          # token a is always followed by (a + 1) % 3
ONE_HOT_OTHER = np.eye(3)[[2, 0, 1]]    # ... or by (a + 2) % 3: every draft is rejected


@pytest.mark.parametrize("target_table, draft_table", [(ONE_HOT, ONE_HOT), (ONE_HOT, ONE_HOT_OTHER),
                                                       (ONE_HOT_OTHER, ONE_HOT)])
def test_torch_reference_matches_the_numpy_reference_where_nothing_is_random(target_table, draft_table):
    torch = pytest.importorskip("torch")
    tref = _torch_reference()
    for prefix in ([0], [2, 1], [1, 1, 0]):
        for k in range(4):
            logs = []
            outs = []
            for module, framework, rng in ((ref, "numpy", np.random.default_rng(0)),
                                           (tref, "torch", torch.Generator().manual_seed(0))):
                draft, target = ToyDraft(draft_table, framework=framework), ToyTarget(target_table, framework=framework)
                outs.append(module.speculative_step(list(prefix), draft, target, k, rng))
                logs.append((draft.calls_log(), target.calls_log()))
            assert outs[0] == outs[1] and logs[0] == logs[1], (prefix, k)
