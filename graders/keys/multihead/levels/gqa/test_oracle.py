"""The gqa level's references (NumPy and PyTorch) against torch's scaled_dot_product_attention with
enable_gqa=True (then W_o), against the kata's multi-head reference on K/V weights expanded per query
head, against a by-hand example, and against each other."""

import importlib.util
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from graders.keys.multihead import reference as mha  # noqa: E402
from graders.keys.multihead.levels.gqa import reference as ref  # noqa: E402

spec = importlib.util.spec_from_file_location("gqa_torch_reference", Path(__file__).parent / "torch" / "reference.py")
torch_ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(torch_ref)


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def make_inputs(seed, H, G, B=2, T=5, d_model=12, x_scale=1.0):
    rng = np.random.default_rng(seed)
    kv_width = G * (d_model // H)
    x = x_scale * rng.standard_normal((B, T, d_model))
    ws = tuple(rng.standard_normal((d_model, w)) / math.sqrt(d_model) for w in (d_model, kv_width, kv_width, d_model))
    return x, ws


def sdpa_gqa(x, ws, H, G, mask):
    """torch's own grouped-query attention: x @ W split into heads, SDPA(enable_gqa=True), then W_o."""
    x, (W_q, W_k, W_v, W_o) = torch.tensor(x), [torch.tensor(w) for w in ws]
    B, T, d_model = x.shape
    d_head = d_model // H
    q = (x @ W_q).view(B, T, H, d_head).transpose(1, 2)                     # (B, H, T, d_head)
    k = (x @ W_k).view(B, T, G, d_head).transpose(1, 2)                     # (B, G, T, d_head)
    v = (x @ W_v).view(B, T, G, d_head).transpose(1, 2)
    allowed = None if mask is None else ~torch.as_tensor(mask)               # SDPA: True = may attend
    heads = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, enable_gqa=True)
    return (heads.transpose(1, 2).reshape(B, T, d_model) @ W_o).numpy()


def per_head_mask(seed, B, H, T):
    """A random (B, H, T, T) mask with at least one key left in every row."""
    rng = np.random.default_rng(seed)
    mask = rng.random((B, H, T, T)) < 0.5
    mask[np.arange(B)[:, None, None], np.arange(H)[None, :, None], np.arange(T), rng.integers(0, T, (B, H, T))] = False
    return mask


CAUSAL = np.triu(np.ones((5, 5), dtype=bool), k=1)
CASES = [(H, G, mask_kind) for H, G in ((4, 2), (6, 3), (6, 2), (6, 1), (3, 3), (12, 4))
         for mask_kind in ("none", "causal", "per-head")]


@pytest.mark.parametrize("H, G, mask_kind", CASES)
def test_matches_sdpa_enable_gqa(H, G, mask_kind):
    x, ws = make_inputs(H * 10 + G, H, G)
    mask = {"none": None, "causal": CAUSAL, "per-head": per_head_mask(H + G, 2, H, 5)}[mask_kind]
    expected = sdpa_gqa(x, ws, H, G, mask)
    out = ref.grouped_query_attention(x, *ws, H, G, mask=mask)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-13)
    torch_out = torch_ref.grouped_query_attention(torch.tensor(x), *map(torch.tensor, ws), H, G,
                                                  mask=None if mask is None else torch.tensor(mask))
    np.testing.assert_allclose(torch_out.numpy(), out, rtol=1e-13, atol=1e-14)


def test_large_scores_match_sdpa():
    x, ws = make_inputs(7, 6, 2, x_scale=30.0)
    np.testing.assert_allclose(ref.grouped_query_attention(x, *ws, 6, 2, mask=CAUSAL), sdpa_gqa(x, ws, 6, 2, CAUSAL),
                               rtol=1e-10, atol=1e-10)


def test_dead_rows_match_expanded_multi_head_reference():
    # SDPA's value on a fully masked row is not the contract's: compare with the kata's reference
    # on K/V weights expanded per query head, which gives such a head zeros.
    x, ws = make_inputs(8, 4, 2, B=3, T=6)
    pads = np.array([0, 2, 5])
    mask = (np.triu(np.ones((6, 6), dtype=bool), k=1)[None] | (np.arange(6)[None, :] < pads[:, None])[:, None, :])[:, None]
    W_q, W_k, W_v, W_o = ws
    expand = lambda W: W.reshape(12, 2, 3).repeat(2, axis=1).reshape(12, 12)            # noqa: E731
    expected = mha.multi_head_attention(x, W_q, expand(W_k), expand(W_v), W_o, 4, mask=mask)
    out = ref.grouped_query_attention(x, *ws, 4, 2, mask=mask)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)
    assert np.all(out[1, :2] == 0) and np.all(out[2, :5] == 0)
    torch_out = torch_ref.grouped_query_attention(torch.tensor(x), *map(torch.tensor, ws), 4, 2, mask=torch.tensor(mask))
    np.testing.assert_allclose(torch_out.numpy(), out, rtol=1e-13, atol=1e-14)


def test_hand_computed_multi_query():
    # d_model = 2, H = 2 (d_head = 1, scale 1), G = 1. Tokens e0, e1; W_q = I; the one K head is
    # [ln 3, 0] and the one V head [1, 2]. Query head 0 of token 0 and head 1 of token 1 score the keys
    # [ln 3, 0]: weights [3/4, 1/4], value 1.25; the other two score [0, 0]: value 1.5.
    x = np.eye(2)[None]                                                       # (1, 2, 2)
    W_k, W_v = np.array([[math.log(3)], [0.0]]), np.array([[1.0], [2.0]])
    out = ref.grouped_query_attention(x, np.eye(2), W_k, W_v, np.eye(2), 2, 1)
    np.testing.assert_allclose(out, [[[1.25, 1.5], [1.5, 1.25]]], rtol=1e-15)
    out = ref.grouped_query_attention(x, np.eye(2), W_k, W_v, np.eye(2), 2, 1, mask=np.triu(np.ones((2, 2), bool), 1))
    np.testing.assert_allclose(out, [[[1.0, 1.0], [1.5, 1.25]]], rtol=1e-15)


def test_float32_and_mixed_dtypes():
    x, ws = make_inputs(9, 4, 2)
    f32 = [w.astype(np.float32) for w in ws]
    assert ref.grouped_query_attention(x.astype(np.float32), *f32, 4, 2).dtype == np.float32
    assert ref.grouped_query_attention(x.astype(np.float32), f32[0], *ws[1:3], f32[3], 4, 2).dtype == np.float64
    t32 = [torch.tensor(w) for w in f32]
    assert torch_ref.grouped_query_attention(torch.tensor(x, dtype=torch.float32), *t32, 4, 2).dtype == torch.float32
    assert torch_ref.grouped_query_attention(torch.tensor(x, dtype=torch.float32), t32[0], torch.tensor(ws[1]),
                                             *t32[2:], 4, 2).dtype == torch.float64


@pytest.mark.parametrize("H, G", [(6, 4), (4, 8), (3, 2), (4, 0)])
def test_num_kv_heads_not_dividing_raises(H, G):
    x, ws = make_inputs(10, H, max(G, 1))
    with pytest.raises(ValueError):
        ref.grouped_query_attention(x, *ws, H, G)
    with pytest.raises(ValueError):
        torch_ref.grouped_query_attention(torch.tensor(x), *map(torch.tensor, ws), H, G)
