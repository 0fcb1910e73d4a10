"""The sliding_window level's references (NumPy and PyTorch) against independent oracles: torch's
scaled_dot_product_attention with a sliding-window boolean mask over the whole sequence, and the
kata's own reference (plain causal attention) on the last `window` tokens of each prefix; plus the
ring buffer against a Python list of every token appended."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = pytest.importorskip("torch.nn.functional")

from graders.keys.kv_cache import reference as kata_ref  # noqa: E402
from graders.keys.kv_cache.levels.sliding_window import reference as ref  # noqa: E402

spec = importlib.util.spec_from_file_location("sliding_window_torch_reference", Path(__file__).parent / "torch" / "reference.py")
torch_ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(torch_ref)

PLANS = [(7,), (3, 4, 2, 5), (2, "d", 6, "d", "d", 3), (1,) * 9, (4, 9, "d", 2), (1, "d", "d", "d", "d", "d")]


def problem(seed, T, num_heads, d_head):
    rng = np.random.default_rng(seed)
    d_model = num_heads * d_head
    x = rng.standard_normal((T, d_model))
    weights = [1.5 * rng.standard_normal((d_model, d_model)) / math.sqrt(d_model) for _ in range(4)]
    return x, weights


def sdpa_windowed(x, weights, window, num_heads):
    """torch's scaled_dot_product_attention over the whole sequence, True = may attend."""
    x, w_q, w_k, w_v, w_o = (torch.tensor(a) for a in (x, *weights))
    T, d_model = x.shape
    q, k, v = ((x @ w).reshape(T, num_heads, -1).transpose(0, 1) for w in (w_q, w_k, w_v))   # (H, T, d_head)
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    may_attend = (j <= i) & (j > i - window)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=may_attend)                       # (H, T, d_head)
    return (out.transpose(0, 1).reshape(T, d_model) @ w_o).numpy()


def run(module, x, weights, window, num_heads, plan, to=np.asarray):
    cache = module.SlidingWindowCache(window, num_heads, x.shape[1] // num_heads,
                                      dtype=torch.float64 if module is torch_ref else np.float64)
    w = [to(a) for a in weights]
    rows, pos = [], 0
    for step in plan:
        if step == "d":
            rows.append(np.asarray(module.sliding_decode_step(to(x[pos]), *w, cache, num_heads))[None])
            pos += 1
        else:
            rows.append(np.asarray(module.sliding_prefill(to(x[pos:pos + step]), *w, cache, num_heads)))
            pos += step
        assert len(cache) == min(pos, window)
    return np.concatenate(rows)


@pytest.mark.parametrize("window", [1, 2, 5, 20])
@pytest.mark.parametrize("plan", PLANS, ids=str)
def test_both_references_match_sdpa_with_a_window_mask(plan, window):
    T = sum(1 if s == "d" else s for s in plan)
    x, weights = problem(window * 100 + len(plan), T, 3, 4)
    expected = sdpa_windowed(x, weights, window, 3)
    np.testing.assert_allclose(run(ref, x, weights, window, 3, plan), expected, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(run(torch_ref, x, weights, window, 3, plan, to=torch.tensor), expected,
                               rtol=1e-12, atol=1e-13)


def test_each_position_is_causal_attention_over_its_last_window_tokens():
    """Brute force with the kata's reference: position t's output is the last row of plain causal
    attention over x[t - window + 1 : t + 1]."""
    x, weights = problem(7, 13, 2, 5)
    window = 4
    out = run(ref, x, weights, window, 2, (13,))
    for t in range(13):
        tail = x[max(0, t - window + 1):t + 1]
        cache = kata_ref.KVCache(len(tail), 2, 5, dtype=np.float64)
        np.testing.assert_allclose(out[t], kata_ref.prefill(tail, *weights, cache, 2)[-1], rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("module", [ref, torch_ref], ids=["numpy", "torch"])
def test_ring_buffer_matches_a_list_of_every_token(module):
    rng = np.random.default_rng(3)
    cache = module.SlidingWindowCache(5, 2, 3, dtype=torch.float64 if module is torch_ref else np.float64)
    every_k, every_v = [], []
    for n in (1, 3, None, 7, 2, 5, 11, None, 4):
        shape = (2, 3) if n is None else (n, 2, 3)
        k, v = rng.standard_normal(shape), rng.standard_normal(shape)
        cache.append(*(torch.tensor(a) if module is torch_ref else a for a in (k, v)))
        every_k += [k] if n is None else list(k)
        every_v += [v] if n is None else list(v)
        K, V = (np.asarray(a) for a in cache.get())
        np.testing.assert_array_equal(K, np.array(every_k[-5:]))
        np.testing.assert_array_equal(V, np.array(every_v[-5:]))
        assert len(cache) == min(len(every_k), 5)
