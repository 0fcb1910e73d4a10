"""The kv_cache reference (graders/keys/kv_cache/reference.py) against independent oracles:
torch.nn.functional.multi_head_attention_forward (its own projections, head split, causal mask,
softmax and output projection) and scaled_dot_product_attention on explicit K/V, plus the cache's
container rules checked directly. Run from the repository root:
pytest graders/keys/kv_cache/test_oracle.py"""

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graders.keys.kv_cache import reference as ref  # noqa: E402


def problem(seed, T, H, d_head, x_scale=1.0):
    """x (T, d_model) and four (d_model, d_model) weights, float64."""
    rng = np.random.default_rng(seed)
    d_model = H * d_head
    x = x_scale * rng.standard_normal((T, d_model))
    weights = [1.5 * rng.standard_normal((d_model, d_model)) / math.sqrt(d_model) for _ in range(4)]
    return x, weights


def torch_causal_mha(x, w_q, w_k, w_v, w_o, H):
    """PyTorch's multi-head attention over the whole sequence with a causal mask, float64.
    torch computes x @ W.T, so it gets the transposed weights; heads are contiguous column blocks."""
    t = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float64))  # noqa: E731
    T, d_model = x.shape
    seq = t(x)[:, None, :]                                                   # (T, batch 1, d_model)
    future = ~torch.tril(torch.ones(T, T, dtype=torch.bool))                 # True = may not attend
    out, _ = F.multi_head_attention_forward(
        seq, seq, seq, d_model, H,
        in_proj_weight=torch.cat([t(w_q).T, t(w_k).T, t(w_v).T]), in_proj_bias=None,
        bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
        out_proj_weight=t(w_o).T, out_proj_bias=None, training=False, need_weights=False,
        attn_mask=future)
    return out[:, 0, :].numpy()                                              # (T, d_model)


def run(plan, x, weights, H, dtype=np.float64):
    """Feed x through a fresh reference cache: int n = prefill n tokens, "d" = decode one; -> (T, d_model)."""
    d_head = x.shape[1] // H
    cache = ref.KVCache(len(x), H, d_head, dtype=dtype)
    rows, pos = [], 0
    for step in plan:
        if step == "d":
            out = ref.decode_step(x[pos], *weights, cache, H)
            assert out.shape == (x.shape[1],)
            rows.append(out[None])
            pos += 1
        else:
            out = ref.prefill(x[pos:pos + step], *weights, cache, H)
            assert out.shape == (step, x.shape[1])
            rows.append(out)
            pos += step
        assert len(cache) == pos
    return np.concatenate(rows)


@pytest.mark.parametrize("T", range(1, 9))
def test_causal_mask_matches_torch_tril(T):
    mask = ref.causal_mask(T)
    assert mask.dtype == np.bool_ and mask.shape == (T, T)
    np.testing.assert_array_equal(mask, (~torch.tril(torch.ones(T, T, dtype=torch.bool))).numpy())


@pytest.mark.parametrize("T, H, d_head", [(1, 3, 4), (2, 3, 4), (7, 3, 4), (9, 2, 5), (6, 4, 2), (5, 1, 6)])
def test_prefill_matches_torch_mha(T, H, d_head):
    x, weights = problem(T * 10 + H, T, H, d_head)
    out = run((T,), x, weights, H)
    np.testing.assert_allclose(out, torch_causal_mha(x, *weights, H), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("plan", [(1,) + ("d",) * 10, (3,) + ("d",) * 8, (3, 4, 1, 5), (1, 1, 1, 1, 1),
                                  (6, 6), (2, "d", 3, "d", "d", 4)])
def test_chunks_and_decode_steps_match_torch_mha(plan):
    T = sum(1 if step == "d" else step for step in plan)
    for H, d_head in ((3, 4), (2, 6)):
        x, weights = problem(T + H, T, H, d_head)
        np.testing.assert_allclose(run(plan, x, weights, H), torch_causal_mha(x, *weights, H), rtol=1e-12, atol=1e-13)


def sdpa_one_query(x_new, weights, K_past, V_past, H):
    """torch SDPA for one new token over explicit past K/V (L, H, d_head) plus its own k, v."""
    w_q, w_k, w_v, w_o = (torch.from_numpy(w) for w in weights)
    x = torch.from_numpy(x_new)
    d_head = x.shape[0] // H
    q, k, v = ((x @ w).reshape(H, 1, d_head) for w in (w_q, w_k, w_v))
    K = torch.cat([torch.from_numpy(K_past).permute(1, 0, 2), k], dim=1)     # (H, L + 1, d_head)
    V = torch.cat([torch.from_numpy(V_past).permute(1, 0, 2), v], dim=1)
    heads = F.scaled_dot_product_attention(q, K, V)                          # (H, 1, d_head), no mask
    return (heads.reshape(-1) @ w_o).numpy()


def test_decode_reads_the_past_from_an_appended_cache():
    H, d_head = 3, 4
    rng = np.random.default_rng(40)
    K, V = rng.standard_normal((5, H, d_head)), rng.standard_normal((5, H, d_head))
    x, weights = problem(40, 2, H, d_head)
    cache = ref.KVCache(8, H, d_head, dtype=np.float64)
    cache.append(K, V)
    out = ref.decode_step(x[0], *weights, cache, H)
    np.testing.assert_allclose(out, sdpa_one_query(x[0], weights, K, V, H), rtol=1e-12, atol=1e-13)
    K_now, V_now = cache.get()
    out = ref.decode_step(x[1], *weights, cache, H)
    np.testing.assert_allclose(out, sdpa_one_query(x[1], weights, K_now.copy(), V_now.copy(), H), rtol=1e-12, atol=1e-13)


def test_float32_cache_rounds_past_keys_and_values():
    # float64 inputs, default float32 cache: exactly attention over K/V rounded to float32.
    H, d_head = 3, 4
    x, weights = problem(41, 6, H, d_head)
    cache = ref.KVCache(6, H, d_head)
    ref.prefill(x[:5], *weights, cache, H)
    K, V = cache.get()
    assert K.dtype == np.float32 and V.dtype == np.float32
    past_K, past_V = K.astype(np.float64), V.astype(np.float64)
    out = ref.decode_step(x[5], *weights, cache, H)
    assert out.dtype == np.float64
    # The new token's own k/v are rounded too: rebuild them the same way for the oracle.
    d_model = H * d_head
    own_k = (x[5] @ weights[1]).reshape(1, H, d_head).astype(np.float32).astype(np.float64)
    own_v = (x[5] @ weights[2]).reshape(1, H, d_head).astype(np.float32).astype(np.float64)
    q = torch.from_numpy(x[5] @ weights[0]).reshape(H, 1, d_head)
    K_all = torch.from_numpy(np.concatenate([past_K, own_k])).permute(1, 0, 2)
    V_all = torch.from_numpy(np.concatenate([past_V, own_v])).permute(1, 0, 2)
    expected = (F.scaled_dot_product_attention(q, K_all, V_all).reshape(d_model) @ torch.from_numpy(weights[3])).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-13)
    # ... and within float32 rounding of unrounded float64 attention.
    np.testing.assert_allclose(out, torch_causal_mha(x, *weights, H)[5], rtol=1e-5, atol=1e-6)


def test_cache_container_rules():
    H, d_head = 2, 3
    rng = np.random.default_rng(5)
    K, V = rng.standard_normal((6, H, d_head)), rng.standard_normal((6, H, d_head))
    cache = ref.KVCache(4, H, d_head)
    assert len(cache) == 0 and all(a.shape == (0, H, d_head) for a in cache.get())
    cache.append(K[0], V[0])                                                 # one token (H, d_head)
    cache.append(K[1:3], V[1:3])                                             # a block (n, H, d_head)
    got_K, got_V = cache.get()
    assert len(cache) == 3 and got_K.shape == (3, H, d_head) and got_K.dtype == np.float32
    np.testing.assert_array_equal(got_K, K[:3].astype(np.float32))
    np.testing.assert_array_equal(got_V, V[:3].astype(np.float32))
    for k, v in ((K[3:5], V[3:5]), (K[3:6], V[3:6])):
        with pytest.raises(ValueError):
            cache.append(k, v)
        assert len(cache) == 3
        np.testing.assert_array_equal(cache.get()[0], K[:3].astype(np.float32))
    cache.append(K[3], V[3])                                                 # exactly full
    with pytest.raises(ValueError):
        cache.append(K[4], V[4])
    assert len(cache) == 4


def test_overflowing_prefill_and_decode_leave_the_cache():
    H, d_head = 3, 4
    x, weights = problem(7, 9, H, d_head)
    cache = ref.KVCache(8, H, d_head, dtype=np.float64)
    ref.prefill(x[:5], *weights, cache, H)
    saved = [a.copy() for a in cache.get()]
    with pytest.raises(ValueError):
        ref.prefill(x[5:9], *weights, cache, H)
    assert len(cache) == 5
    for before, after in zip(saved, cache.get()):
        np.testing.assert_array_equal(before, after)
    ref.prefill(x[5:8], *weights, cache, H)
    with pytest.raises(ValueError):
        ref.decode_step(x[8], *weights, cache, H)
    assert len(cache) == 8


def test_large_scores_match_torch_without_warnings():
    H, d_head = 3, 4
    x, weights = problem(50, 8, H, d_head, x_scale=30.0)                     # scores ~1e3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = run((5, "d", "d", "d"), x, weights, H)
    np.testing.assert_allclose(out, torch_causal_mha(x, *weights, H), rtol=1e-10, atol=1e-10)


def test_output_dtype_is_the_result_type_of_inputs_and_cache():
    H, d_head = 3, 4
    x, weights = problem(72, 3, H, d_head)
    x32, w32 = x.astype(np.float32), [w.astype(np.float32) for w in weights]
    cases = [((x32, w32), np.float32, np.float32), ((x, weights), np.float32, np.float64),
             ((x32, weights), np.float32, np.float64), ((x32, w32), np.float64, np.float64)]
    for (xs, ws), cache_dtype, expected in cases:
        cache = ref.KVCache(3, H, d_head, dtype=cache_dtype)
        assert ref.prefill(xs[:2], *ws, cache, H).dtype == expected
        assert ref.decode_step(xs[2], *ws, cache, H).dtype == expected


def test_inputs_left_unchanged():
    H, d_head = 3, 4
    x, weights = problem(80, 6, H, d_head)
    saved = [a.copy() for a in (x, *weights)]
    cache = ref.KVCache(6, H, d_head)
    ref.prefill(x[:5], *weights, cache, H)
    ref.decode_step(x[5], *weights, cache, H)
    for before, after in zip(saved, (x, *weights)):
        np.testing.assert_array_equal(before, after)


# -- the PyTorch reference (graders/keys/kv_cache/torch/reference.py) ---------------------------------

def _torch_reference():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("torch") / "reference.py"
    spec = importlib.util.spec_from_file_location("kv_cache_torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_torch(tref, plan, x, weights, H, dtype=torch.float64):
    """run() for the PyTorch reference: the same plan on tensors -> (T, d_model) as a NumPy array."""
    d_head = x.shape[1] // H
    cache = tref.KVCache(len(x), H, d_head, dtype=dtype)
    tx, tw = torch.from_numpy(x), [torch.from_numpy(w) for w in weights]
    rows, pos = [], 0
    for step in plan:
        if step == "d":
            out = tref.decode_step(tx[pos], *tw, cache, H)
            assert out.shape == (x.shape[1],)
            rows.append(out[None])
            pos += 1
        else:
            out = tref.prefill(tx[pos:pos + step], *tw, cache, H)
            assert out.shape == (step, x.shape[1])
            rows.append(out)
            pos += step
        assert len(cache) == pos
    return torch.cat(rows).numpy()


@pytest.mark.parametrize("T", range(1, 9))
def test_the_torch_causal_mask_matches_tril_and_the_numpy_reference(T):
    mask = _torch_reference().causal_mask(T)
    assert mask.dtype == torch.bool and mask.shape == (T, T)
    assert torch.equal(mask, ~torch.tril(torch.ones(T, T, dtype=torch.bool)))
    np.testing.assert_array_equal(mask.numpy(), ref.causal_mask(T))


@pytest.mark.parametrize("plan", [(7,), (1,) + ("d",) * 10, (3, 4, 1, 5), (2, "d", 3, "d", "d", 4)])
def test_the_torch_reference_matches_torch_mha_and_the_numpy_reference(plan):
    tref = _torch_reference()
    T = sum(1 if step == "d" else step for step in plan)
    for H, d_head in ((3, 4), (2, 5)):
        x, weights = problem(T + 7 * H, T, H, d_head)
        out = run_torch(tref, plan, x, weights, H)
        np.testing.assert_allclose(out, torch_causal_mha(x, *weights, H), rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(out, run(plan, x, weights, H), rtol=1e-13, atol=1e-14)   # both float64 inside


def test_the_torch_reference_with_large_scores_matches_torch_mha():
    x, weights = problem(50, 8, 3, 4, x_scale=30.0)                          # scores ~1e3
    out = run_torch(_torch_reference(), (5, "d", "d", "d"), x, weights, 3)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, torch_causal_mha(x, *weights, 3), rtol=1e-10, atol=1e-10)


def test_the_torch_reference_float32_cache_matches_sdpa_on_rounded_keys_and_values():
    # float64 inputs, default float32 cache: attention over K/V rounded to float32, float64 out,
    # exactly what the NumPy reference computes.
    tref = _torch_reference()
    H, d_head = 3, 4
    x, weights = problem(41, 6, H, d_head)
    cache = tref.KVCache(6, H, d_head)
    tw = [torch.from_numpy(w) for w in weights]
    tref.prefill(torch.from_numpy(x[:5]), *tw, cache, H)
    out = tref.decode_step(torch.from_numpy(x[5]), *tw, cache, H)
    K, V = cache.get()
    assert K.dtype == V.dtype == torch.float32 and out.dtype == torch.float64
    q = torch.from_numpy(x[5] @ weights[0]).reshape(H, 1, d_head)
    heads = F.scaled_dot_product_attention(q, K.double().permute(1, 0, 2), V.double().permute(1, 0, 2))
    torch.testing.assert_close(out, heads.reshape(-1) @ tw[3], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(out.numpy(), run((5, "d"), x, weights, H, dtype=np.float32)[5], rtol=1e-13, atol=1e-14)


def test_the_torch_reference_output_dtype_is_the_promoted_dtype():
    tref = _torch_reference()
    H, d_head = 3, 4
    x, weights = problem(72, 3, H, d_head)
    t64 = [torch.from_numpy(a) for a in (x, *weights)]
    t32 = [a.float() for a in t64]
    cases = [(t32, t32, torch.float32, torch.float32), (t64, t64, torch.float32, torch.float64),
             (t32, t64, torch.float32, torch.float64), (t32, t32, torch.float64, torch.float64)]
    for xs, ws, cache_dtype, expected in cases:
        cache = tref.KVCache(3, H, d_head, dtype=cache_dtype)
        assert tref.prefill(xs[0][:2], *ws[1:], cache, H).dtype == expected
        assert tref.decode_step(xs[0][2], *ws[1:], cache, H).dtype == expected
    np.testing.assert_allclose(run_torch(tref, (2, "d"), x.astype(np.float32), [w.astype(np.float32) for w in weights],
                                         H, dtype=torch.float32),
                               torch_causal_mha(x, *weights, H), rtol=1e-5, atol=1e-5)


def test_the_torch_reference_cache_rules_and_untouched_inputs():
    tref = _torch_reference()
    H, d_head = 3, 4
    x, weights = problem(7, 9, H, d_head)
    tx, tw = torch.from_numpy(x), [torch.from_numpy(w) for w in weights]
    saved = [a.clone() for a in (tx, *tw)]
    cache = tref.KVCache(8, H, d_head, dtype=torch.float64)
    assert all(a.shape == (0, H, d_head) for a in cache.get())
    tref.prefill(tx[:5], *tw, cache, H)
    before = [a.clone() for a in cache.get()]
    with pytest.raises(ValueError):
        tref.prefill(tx[5:9], *tw, cache, H)
    assert len(cache) == 5 and all(torch.equal(b, a) for b, a in zip(before, cache.get()))
    tref.prefill(tx[5:8], *tw, cache, H)
    with pytest.raises(ValueError):
        tref.decode_step(tx[8], *tw, cache, H)
    with pytest.raises(ValueError):
        cache.append(torch.zeros(H, d_head), torch.zeros(H, d_head))
    assert len(cache) == 8
    assert all(torch.equal(b, a) for b, a in zip(saved, (tx, *tw)))
