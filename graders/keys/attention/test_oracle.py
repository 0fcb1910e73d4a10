"""The attention reference (graders/keys/attention/reference.py) against independent oracles:
torch.nn.functional.scaled_dot_product_attention and torch.softmax, plus properties that hold for
any correct self-attention. Run from the repository root: pytest tests/test_oracle_attention.py"""

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graders.keys.attention import reference as ref  # noqa: E402

B, T, D_MODEL, D_K, D_V = 3, 6, 8, 4, 5  # all different: a wrong scale or projection cannot hide


def inputs(seed, dtype=np.float64, x_scale=1.0):
    rng = np.random.default_rng(seed)
    x = (x_scale * rng.standard_normal((B, T, D_MODEL))).astype(dtype)
    ws = [(1.5 * rng.standard_normal((D_MODEL, d)) / math.sqrt(D_MODEL)).astype(dtype) for d in (D_K, D_K, D_V)]
    return x, *ws


def causal():
    return np.triu(np.ones((T, T), dtype=bool), k=1)                          # (T, T)


def masks():
    """name -> a bool mask broadcastable to (B, T, T), True = may NOT attend."""
    rng = np.random.default_rng(123)
    random_full = rng.random((B, T, T)) < 0.5
    random_full[np.arange(B)[:, None], np.arange(T), rng.integers(0, T, (B, T))] = False
    right_pad = np.arange(T)[None, None, :] >= np.array([T, 4, 2])[:, None, None]   # (B, 1, T)
    left_pad = np.arange(T)[None, :] < np.array([0, 2, 5])[:, None]                 # (B, T)
    return {
        "none": None,
        "causal (T, T)": causal(),
        "padding (B, 1, T)": right_pad,
        "random (B, T, T)": random_full,
        "left padding + causal, fully masked rows": causal()[None] | left_pad[:, None, :],
        "one example all padding (B, 1, T)": np.array([[[False] * T], [[True] * T], [[False] * 3 + [True] * 3]]),
    }


def sdpa(x, w_q, w_k, w_v, mask):
    """PyTorch's attention in float64 from the same inputs: its own projections, its own softmax."""
    t = [torch.from_numpy(np.asarray(a, dtype=np.float64)) for a in (x, w_q, w_k, w_v)]
    q, k, v = t[0] @ t[1], t[0] @ t[2], t[0] @ t[3]
    attn_mask = None if mask is None else ~torch.from_numpy(np.ascontiguousarray(mask))  # True = may attend
    return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask).numpy()          # scale 1/sqrt(d_k)


def dead_rows(mask):
    """(B, T) True where a query row has no key it may attend to."""
    return np.zeros((B, T), dtype=bool) if mask is None else np.broadcast_to(mask, (B, T, T)).all(axis=-1)


@pytest.mark.parametrize("name", list(masks()))
def test_float64_matches_sdpa(name):
    mask = masks()[name]
    x, w_q, w_k, w_v = inputs(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ref.self_attention(x, w_q, w_k, w_v, mask=mask)
    assert out.shape == (B, T, D_V) and out.dtype == np.float64
    expected, dead = sdpa(x, w_q, w_k, w_v, mask), dead_rows(mask)
    # SDPA's answer for a row with nothing to attend to is version dependent (NaN in older
    # releases, zeros in newer ones); the contract says zeros, so those rows are checked apart.
    np.testing.assert_array_equal(out[dead], 0.0)
    np.testing.assert_allclose(out[~dead], expected[~dead], rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", list(masks()))
def test_float32_matches_sdpa(name):
    mask = masks()[name]
    x, w_q, w_k, w_v = inputs(2, dtype=np.float32)
    out = ref.self_attention(x, w_q, w_k, w_v, mask=mask)
    assert out.dtype == np.float32
    expected, dead = sdpa(x, w_q, w_k, w_v, mask), dead_rows(mask)
    np.testing.assert_array_equal(out[dead], 0.0)
    # The reference works in float64 and rounds once at the end: half an ulp of float32.
    np.testing.assert_allclose(out[~dead], expected[~dead], rtol=1e-7, atol=1e-7)


def test_large_scores_match_sdpa_without_warnings():
    x, w_q, w_k, w_v = inputs(3, x_scale=30.0)                                # scores ~ 1e3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ref.self_attention(x, w_q, w_k, w_v, mask=causal())
    np.testing.assert_allclose(out, sdpa(x, w_q, w_k, w_v, causal()), rtol=1e-10, atol=1e-12)


def test_mixed_dtypes_give_result_type():
    x, w_q, w_k, w_v = inputs(4)
    assert ref.self_attention(x.astype(np.float32), w_q, w_k, w_v).dtype == np.float64
    assert ref.self_attention(x, w_q.astype(np.float32), w_k, w_v).dtype == np.float64


def test_inputs_left_unchanged():
    x, w_q, w_k, w_v = inputs(5)
    mask = masks()["left padding + causal, fully masked rows"]
    saved = [a.copy() for a in (x, w_q, w_k, w_v, mask)]
    ref.self_attention(x, w_q, w_k, w_v, mask=mask)
    for before, after in zip(saved, (x, w_q, w_k, w_v, mask)):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_softmax_matches_torch(dtype, axis):
    x = (4.0 * np.random.default_rng(6).standard_normal((3, 4, 5))).astype(dtype)
    out = ref.softmax(x, axis=axis)
    assert out.dtype == dtype and out.shape == x.shape
    expected = torch.softmax(torch.from_numpy(x.astype(np.float64)), dim=axis).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12 if dtype == np.float64 else 1e-7, atol=1e-15)


@pytest.mark.parametrize("dtype, big", [(np.float64, 1e4), (np.float32, 100.0)])
def test_softmax_huge_logits_match_torch(dtype, big):
    x = np.array([[big, big - 1, big - 2, -big], [-big, -big - 1, -big + 1, -big], [big / 2] * 4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ref.softmax(x)
    expected = torch.softmax(torch.from_numpy(x.astype(np.float64)), dim=-1).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12 if dtype == np.float64 else 1e-7, atol=1e-15)


def test_permuting_tokens_permutes_the_output():
    # Without a mask, self-attention is permutation-equivariant over the sequence axis.
    x, w_q, w_k, w_v = inputs(7)
    perm = np.random.default_rng(7).permutation(T)
    np.testing.assert_allclose(ref.self_attention(x[:, perm], w_q, w_k, w_v),
                               ref.self_attention(x, w_q, w_k, w_v)[:, perm], rtol=1e-12, atol=1e-14)


def test_causal_output_ignores_the_future():
    # With a causal mask, output t depends on tokens 0..t only: change the last tokens, keep the rest.
    x, w_q, w_k, w_v = inputs(8)
    changed = x.copy()
    changed[:, 4:] += 10.0
    a = ref.self_attention(x, w_q, w_k, w_v, mask=causal())
    b = ref.self_attention(changed, w_q, w_k, w_v, mask=causal())
    np.testing.assert_allclose(a[:, :4], b[:, :4], rtol=1e-13, atol=1e-15)
    assert not np.allclose(a[:, 4:], b[:, 4:])


# -- the PyTorch reference (graders/keys/attention/torch/reference.py) --------------------------------

def _torch_reference():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("torch") / "reference.py"
    spec = importlib.util.spec_from_file_location("attention_torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tensors(*arrays):
    return [None if a is None else torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]


@pytest.mark.parametrize("name", list(masks()))
def test_the_torch_reference_matches_sdpa_and_the_numpy_reference(name):
    tref, mask = _torch_reference(), masks()[name]
    x, w_q, w_k, w_v = inputs(1)
    out = tref.self_attention(*tensors(x, w_q, w_k, w_v), mask=tensors(mask)[0])
    assert out.dtype == torch.float64 and out.shape == (B, T, D_V) and not out.requires_grad
    out, dead = out.numpy(), dead_rows(mask)
    np.testing.assert_array_equal(out[dead], 0.0)
    np.testing.assert_allclose(out[~dead], sdpa(x, w_q, w_k, w_v, mask)[~dead], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(out, ref.self_attention(x, w_q, w_k, w_v, mask=mask), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", list(masks()))
def test_the_torch_reference_keeps_float32_and_rounds_once(name):
    tref, mask = _torch_reference(), masks()[name]
    x, w_q, w_k, w_v = inputs(2, dtype=np.float32)
    out = tref.self_attention(*tensors(x, w_q, w_k, w_v), mask=tensors(mask)[0])
    assert out.dtype == torch.float32
    # Both references work in float64 and round once at the end: the same float32 values, but for a
    # last-bit difference in float64 that may round the other way (one ulp of float32 is 1.2e-7).
    np.testing.assert_allclose(out.numpy(), ref.self_attention(x, w_q, w_k, w_v, mask=mask), rtol=1.2e-7, atol=0)


def test_the_torch_reference_promotes_mixed_dtypes_as_numpy_does():
    tref = _torch_reference()
    x, w_q, w_k, w_v = inputs(4)
    x32, w32 = x.astype(np.float32), [w.astype(np.float32) for w in (w_q, w_k, w_v)]
    for args in ((x32, w_q, w_k, w_v), (x, *w32), (x32, w32[0], w32[1], w_v)):
        out = tref.self_attention(*tensors(*args))
        expected = ref.self_attention(*args)
        assert out.dtype == torch.float64 == getattr(torch, str(expected.dtype))
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-14, atol=1e-15)


def test_the_torch_reference_leaves_its_inputs_alone():
    tref = _torch_reference()
    x, w_q, w_k, w_v = inputs(5)
    mask = masks()["left padding + causal, fully masked rows"]
    given = tensors(x, w_q, w_k, w_v, mask)
    saved = [t.clone() for t in given]
    tref.self_attention(*given[:4], mask=given[4])
    logits = torch.tensor([[3.0, -1.0, 2.0], [1e4, 0.0, -1e4]], dtype=torch.float64)
    before = logits.clone()
    tref.softmax(logits)
    assert all(torch.equal(a, b) for a, b in zip(given + [logits], saved + [before]))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_the_torch_reference_softmax_matches_torch(dtype, axis):
    tref = _torch_reference()
    x = torch.from_numpy(4.0 * np.random.default_rng(6).standard_normal((3, 4, 5))).to(dtype)
    out = tref.softmax(x, axis=axis)
    assert out.dtype == dtype and out.shape == x.shape
    torch.testing.assert_close(out.double(), torch.softmax(x.double(), dim=axis),
                               rtol=1e-12 if dtype == torch.float64 else 1e-7, atol=1e-15)
    np.testing.assert_allclose(out.numpy(), ref.softmax(x.numpy(), axis=axis),
                               rtol=1e-14 if dtype == torch.float64 else 1.2e-7, atol=0)  # float64 inside both


@pytest.mark.parametrize("dtype, big", [(torch.float64, 1e4), (torch.float32, 100.0)])
def test_the_torch_reference_softmax_of_huge_logits_matches_torch(dtype, big):
    tref = _torch_reference()
    x = torch.tensor([[big, big - 1, big - 2, -big], [-big, -big - 1, -big + 1, -big], [big / 2] * 4], dtype=dtype)
    out = tref.softmax(x)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out.double(), torch.softmax(x.double(), dim=-1),
                               rtol=1e-12 if dtype == torch.float64 else 1e-7, atol=1e-15)
