"""The multihead reference (graders/keys/multihead/reference.py) against independent oracles:
torch.nn.functional.multi_head_attention_forward (PyTorch's own head split, scale and output
projection), torch.nn.functional.scaled_dot_product_attention per head (for masks with fully
masked rows, which MHA turns into NaN), and properties any correct multi-head attention has.
Run from the repository root: pytest graders/keys/multihead/test_oracle.py"""

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graders.keys.multihead import reference as ref  # noqa: E402

B, T, D_MODEL, H = 3, 6, 12, 3  # d_head = 4: a scale by d_model or a wrong split cannot hide


@pytest.fixture(autouse=True)
def warnings_are_errors():
    """The graders' rule: the reference must not emit a RuntimeWarning on any input here."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def inputs(seed, d_model=D_MODEL, dtype=np.float64, x_scale=1.0):
    """x (B, T, d_model) and W_q, W_k, W_v, W_o (d_model, d_model)."""
    rng = np.random.default_rng(seed)
    x = (x_scale * rng.standard_normal((B, T, d_model))).astype(dtype)
    ws = [(1.5 * rng.standard_normal((d_model, d_model)) / math.sqrt(d_model)).astype(dtype) for _ in range(4)]
    return x, *ws


def causal():
    return np.triu(np.ones((T, T), dtype=bool), k=1)                                    # (T, T)


def masks():
    """name -> a bool mask broadcastable to (B, H, T, T), True = may NOT attend."""
    rng = np.random.default_rng(123)
    per_head = rng.random((B, H, T, T)) < 0.5
    per_head[np.arange(B)[:, None, None], np.arange(H)[None, :, None], np.arange(T),
             rng.integers(0, T, (B, H, T))] = False                                    # >= 1 key per row
    windows = np.stack([causal(), ~causal().T, np.abs(np.subtract.outer(np.arange(T), np.arange(T))) > 1])
    left_pad = np.arange(T)[None, :] < np.array([0, 2, 5])[:, None]                    # (B, T)
    one_head_dead = np.broadcast_to(causal(), (B, H, T, T)).copy()
    one_head_dead[0, 1, 3, :] = True
    one_head_dead[2, 2, :2, :] = True
    return {
        "none": None,
        "causal (T, T)": causal(),
        "padding (B, 1, 1, T)": (np.arange(T) >= np.array([T, 4, 2])[:, None])[:, None, None, :],
        "random per head (B, H, T, T)": per_head,
        "windows per head (1, H, T, T)": windows[None],
        "left padding + causal (B, 1, T, T), fully masked rows": (causal()[None] | left_pad[:, None, :])[:, None],
        "a query dead in one head only (B, H, T, T)": one_head_dead,
        "one example all padding (B, 1, 1, T)": np.array([[False] * T, [True] * T, [False] * 3 + [True] * 3])[:, None, None, :],
    }


def torch_mha(x, W_q, W_k, W_v, W_o, num_heads, mask):
    """PyTorch's multi-head attention in float64. nn.Linear weights are (out, in), hence the .T;
    no biases. A (T, T) mask is its attn_mask, a (B, 1, 1, T) one its key_padding_mask, and any
    other mask is expanded to the (B*H, T, T) attn_mask it accepts (batch-major, as it splits heads)."""
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))  # noqa: E731
    Bx, Tx, d_model = x.shape
    x_t = t(x).transpose(0, 1)                                                          # (T, B, d_model)
    attn_mask = key_padding_mask = None
    if mask is not None and mask.ndim == 2:
        attn_mask = torch.from_numpy(mask)
    elif mask is not None and mask.shape[1:3] == (1, 1):
        key_padding_mask = torch.from_numpy(np.ascontiguousarray(mask[:, 0, 0, :]))
    elif mask is not None:
        full = np.broadcast_to(mask, (Bx, num_heads, Tx, Tx))
        attn_mask = torch.from_numpy(np.array(full).reshape(Bx * num_heads, Tx, Tx))
    out, _ = F.multi_head_attention_forward(
        x_t, x_t, x_t, d_model, num_heads,
        in_proj_weight=torch.cat([t(W_q).T, t(W_k).T, t(W_v).T]), in_proj_bias=None,
        bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
        out_proj_weight=t(W_o).T, out_proj_bias=None, training=False,
        key_padding_mask=key_padding_mask, need_weights=False, attn_mask=attn_mask)
    return out.transpose(0, 1).numpy()                                                  # (B, T, d_model)


def torch_sdpa_heads(x, W_q, W_k, W_v, W_o, num_heads, mask):
    """Per-head SDPA from torch's view/transpose head split; a head whose row has no key left
    outputs zeros (the contract; SDPA's own answer there is version dependent), then W_o."""
    t = [torch.from_numpy(np.asarray(a, dtype=np.float64)) for a in (x, W_q, W_k, W_v, W_o)]
    Bx, Tx, d_model = x.shape
    split = lambda a: a.view(Bx, Tx, num_heads, d_model // num_heads).transpose(1, 2)  # noqa: E731
    q, k, v = (split(t[0] @ w) for w in t[1:4])                                         # (B, H, T, d_head)
    attn_mask, dead = None, torch.zeros(Bx, num_heads, Tx, 1, dtype=torch.bool)
    if mask is not None:
        allowed = ~torch.from_numpy(np.array(np.broadcast_to(mask, (Bx, num_heads, Tx, Tx))))
        attn_mask, dead = allowed, ~allowed.any(dim=-1, keepdim=True)
    heads = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)                # scale 1/sqrt(d_head)
    heads = torch.where(dead, 0.0, heads)
    return (heads.transpose(1, 2).reshape(Bx, Tx, d_model) @ t[4]).numpy()


def has_dead_rows(mask):
    return mask is not None and np.broadcast_to(mask, (B, H, T, T)).all(axis=-1).any()


@pytest.mark.parametrize("name", list(masks()))
def test_float64_matches_torch(name):
    mask = masks()[name]
    x, *ws = inputs(1)
    out = ref.multi_head_attention(x, *ws, H, mask=mask)
    assert out.shape == (B, T, D_MODEL) and out.dtype == np.float64
    np.testing.assert_allclose(out, torch_sdpa_heads(x, *ws, H, mask), rtol=1e-12, atol=1e-13)
    if not has_dead_rows(mask):  # MHA gives NaN where a head has no key left
        np.testing.assert_allclose(out, torch_mha(x, *ws, H, mask), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("num_heads", [1, 2, 3, 4, 6, 12])
def test_every_head_count_matches_torch_mha(num_heads):
    x, *ws = inputs(2)
    for mask in (None, causal()):
        out = ref.multi_head_attention(x, *ws, num_heads, mask=mask)
        np.testing.assert_allclose(out, torch_mha(x, *ws, num_heads, mask), rtol=1e-12, atol=1e-13)


def test_fully_masked_rows_are_zero_before_w_o():
    x, *ws = inputs(3)
    # A query masked out in every head outputs exactly 0 @ W_o = 0.
    all_dead = masks()["left padding + causal (B, 1, T, T), fully masked rows"]
    dead_rows = all_dead[:, 0].all(axis=-1)                                             # (B, T)
    np.testing.assert_array_equal(ref.multi_head_attention(x, *ws, H, mask=all_dead)[dead_rows], 0.0)
    # A query dead in one head only: that head's columns of the concatenation are 0, and the output
    # is the concatenation (torch's heads, W_o = I) times W_o.
    mask = masks()["a query dead in one head only (B, H, T, T)"]
    d_head = D_MODEL // H
    concat = torch_sdpa_heads(x, *ws[:3], np.eye(D_MODEL), H, mask)                    # (B, T, d_model)
    np.testing.assert_array_equal(concat[2, :2, 2 * d_head:], 0.0)                     # example 2, head 2
    np.testing.assert_allclose(ref.multi_head_attention(x, *ws, H, mask=mask), concat @ ws[3],
                               rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", list(masks()))
def test_float32_matches_torch(name):
    mask = masks()[name]
    x, *ws = inputs(4, dtype=np.float32)
    out = ref.multi_head_attention(x, *ws, H, mask=mask)
    assert out.dtype == np.float32
    # The reference works in float64 and rounds once at the end: half an ulp of float32.
    np.testing.assert_allclose(out, torch_sdpa_heads(x, *ws, H, mask), rtol=1e-7, atol=1e-7)


def test_large_scores_match_torch_without_warnings():
    x, *ws = inputs(5, x_scale=30.0)                                                    # scores ~ 1e3
    out = ref.multi_head_attention(x, *ws, H, mask=causal())
    # Scores round at ulp(1e3) ~ 1e-13, outputs reach ~70: absolute errors ~1e-11 where W_o cancels.
    np.testing.assert_allclose(out, torch_mha(x, *ws, H, causal()), rtol=1e-10, atol=1e-10)


def test_mixed_dtypes_give_result_type():
    x, *ws = inputs(6)
    assert ref.multi_head_attention(x.astype(np.float32), *ws, H).dtype == np.float64
    f32 = [w.astype(np.float32) for w in ws]
    assert ref.multi_head_attention(x, *f32, H).dtype == np.float64
    assert ref.multi_head_attention(x.astype(np.float32), *f32[:3], ws[3], H).dtype == np.float64
    assert ref.multi_head_attention(x.astype(np.float32), *f32, H).dtype == np.float32


@pytest.mark.parametrize("d_model, num_heads", [(12, 5), (6, 4), (4, 8), (12, 0)])
def test_indivisible_d_model_raises(d_model, num_heads):
    x, *ws = inputs(7, d_model=d_model)
    with pytest.raises(ValueError):
        ref.multi_head_attention(x, *ws, num_heads)


def test_inputs_left_unchanged():
    x, *ws = inputs(8)
    mask = masks()["a query dead in one head only (B, H, T, T)"]
    saved = [a.copy() for a in (x, *ws, mask)]
    ref.multi_head_attention(x, *ws, H, mask=mask)
    for before, after in zip(saved, (x, *ws, mask)):
        np.testing.assert_array_equal(before, after)


def test_permuting_heads_leaves_the_output_unchanged():
    # Relabelling heads (their column blocks of W_q, W_k, W_v and their row blocks of W_o together)
    # changes nothing: W_o is applied once, to the concatenation in head order.
    x, W_q, W_k, W_v, W_o = inputs(9)
    d_head = D_MODEL // H
    order = np.concatenate([np.arange(h * d_head, (h + 1) * d_head) for h in (2, 0, 1)])
    mask = masks()["padding (B, 1, 1, T)"]
    np.testing.assert_allclose(
        ref.multi_head_attention(x, W_q[:, order], W_k[:, order], W_v[:, order], W_o[order], H, mask=mask),
        ref.multi_head_attention(x, W_q, W_k, W_v, W_o, H, mask=mask), rtol=1e-12, atol=1e-13)


def test_causal_output_ignores_the_future():
    x, *ws = inputs(10)
    changed = x.copy()
    changed[:, 4:] += 10.0
    a = ref.multi_head_attention(x, *ws, H, mask=causal())
    b = ref.multi_head_attention(changed, *ws, H, mask=causal())
    np.testing.assert_allclose(a[:, :4], b[:, :4], rtol=1e-13, atol=1e-14)
    assert not np.allclose(a[:, 4:], b[:, 4:])


def test_one_head_is_single_head_attention_then_w_o():
    x, W_q, W_k, W_v, W_o = inputs(11)
    t = [torch.from_numpy(a) for a in (x, W_q, W_k, W_v)]
    single = F.scaled_dot_product_attention(t[0] @ t[1], t[0] @ t[2], t[0] @ t[3]).numpy()  # scale 1/sqrt(d_model)
    np.testing.assert_allclose(ref.multi_head_attention(x, W_q, W_k, W_v, W_o, 1), single @ W_o,
                               rtol=1e-12, atol=1e-13)


# -- the PyTorch reference (graders/keys/multihead/torch/reference.py) --------------------------------

def _torch_reference():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("torch") / "reference.py"
    spec = importlib.util.spec_from_file_location("multihead_torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tensors(*arrays):
    return [None if a is None else torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]


@pytest.mark.parametrize("name", list(masks()))
def test_the_torch_reference_matches_torch_and_the_numpy_reference(name):
    tref, mask = _torch_reference(), masks()[name]
    x, *ws = inputs(1)
    out = tref.multi_head_attention(*tensors(x, *ws), H, mask=tensors(mask)[0])
    assert out.dtype == torch.float64 and out.shape == (B, T, D_MODEL) and not out.requires_grad
    out = out.numpy()
    np.testing.assert_allclose(out, torch_sdpa_heads(x, *ws, H, mask), rtol=1e-12, atol=1e-13)
    if not has_dead_rows(mask):  # MHA gives NaN where a head has no key left
        np.testing.assert_allclose(out, torch_mha(x, *ws, H, mask), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(out, ref.multi_head_attention(x, *ws, H, mask=mask), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("num_heads", [1, 2, 3, 4, 6, 12])
def test_the_torch_reference_matches_torch_mha_for_every_head_count(num_heads):
    tref = _torch_reference()
    x, *ws = inputs(2)
    for mask in (None, causal()):
        out = tref.multi_head_attention(*tensors(x, *ws), num_heads, mask=tensors(mask)[0]).numpy()
        np.testing.assert_allclose(out, torch_mha(x, *ws, num_heads, mask), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", list(masks()))
def test_the_torch_reference_keeps_float32_and_rounds_once(name):
    tref, mask = _torch_reference(), masks()[name]
    x, *ws = inputs(4, dtype=np.float32)
    out = tref.multi_head_attention(*tensors(x, *ws), H, mask=tensors(mask)[0])
    assert out.dtype == torch.float32
    # Both references work in float64 and round once at the end: the same float32 values, but for a
    # last-bit difference in float64 that may round the other way (one ulp of float32 is 1.2e-7).
    np.testing.assert_allclose(out.numpy(), ref.multi_head_attention(x, *ws, H, mask=mask), rtol=1.2e-7, atol=1e-12)


def test_the_torch_reference_promotes_mixed_dtypes_as_numpy_does():
    tref = _torch_reference()
    x, *ws = inputs(6)
    f32 = [w.astype(np.float32) for w in ws]
    for args in ((x.astype(np.float32), *ws), (x, *f32), (x.astype(np.float32), *f32[:3], ws[3]),
                 (x.astype(np.float32), *f32)):
        out, expected = tref.multi_head_attention(*tensors(*args), H), ref.multi_head_attention(*args, H)
        assert out.dtype == getattr(torch, str(expected.dtype))
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-14 if expected.dtype == np.float64 else 1.2e-7,
                                   atol=1e-12)


@pytest.mark.parametrize("d_model, num_heads", [(12, 5), (6, 4), (4, 8), (12, 0)])
def test_the_torch_reference_raises_value_error_for_indivisible_d_model(d_model, num_heads):
    tref = _torch_reference()
    x, *ws = inputs(7, d_model=d_model)
    with pytest.raises(ValueError):
        tref.multi_head_attention(*tensors(x, *ws), num_heads)


def test_the_torch_reference_leaves_its_inputs_alone():
    tref = _torch_reference()
    x, *ws = inputs(8)
    mask = masks()["a query dead in one head only (B, H, T, T)"]
    given = tensors(x, *ws, mask)
    saved = [t.clone() for t in given]
    tref.multi_head_attention(*given[:5], H, mask=given[5])
    assert all(torch.equal(a, b) for a, b in zip(given, saved))
