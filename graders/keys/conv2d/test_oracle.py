"""The conv2d reference (graders/keys/conv2d/reference.py) against independent oracles:
torch.nn.functional.conv2d and its autograd in float64, central finite differences, and a
brute-force sum straight from the definition. Run from the repository root:
pytest graders/keys/conv2d/test_oracle.py"""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graders.keys.conv2d import reference as ref  # noqa: E402

# (B, C_in, C_out, H, W, kH, kW, stride, pad, bias): what each case is for, in its id.
CASES = {
    "3x3, stride 1, no pad": (2, 3, 4, 5, 5, 3, 3, 1, 0, True),
    "3x3, stride 1, pad 1 (same size)": (2, 3, 4, 6, 6, 3, 3, 1, 1, True),
    "non-square input and kernel, stride 2, pad 1": (2, 3, 4, 7, 6, 3, 2, 2, 1, True),
    "remainder under the stride (rows/cols 6, 7 unread)": (1, 2, 3, 8, 8, 3, 3, 3, 0, True),
    "remainder with padding, no bias": (2, 1, 2, 9, 7, 2, 3, 3, 2, False),
    "1x1 kernel": (2, 3, 5, 6, 5, 1, 1, 1, 0, True),
    "1x1 kernel, stride 2, pad 1 (border outputs are the bias)": (2, 3, 5, 6, 5, 1, 1, 2, 1, True),
    "kernel as large as the padded input": (2, 2, 3, 4, 5, 6, 7, 1, 1, True),
    "kernel as large as the padded input, stride 3": (1, 2, 2, 5, 3, 5, 3, 3, 0, True),
    "stride larger than the kernel (gaps)": (2, 2, 3, 9, 10, 2, 2, 3, 0, True),
    "padding larger than half the kernel": (1, 2, 2, 3, 4, 3, 3, 1, 2, True),
    "5x3 kernel, stride 2, pad 2": (3, 4, 6, 11, 13, 5, 3, 2, 2, True),
    "single pixel, single channel": (1, 1, 1, 1, 1, 1, 1, 1, 0, True),
}


@pytest.fixture(autouse=True)
def warnings_are_errors():
    """The graders' rule: the reference must not emit a RuntimeWarning on any input here."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def make_case(seed, B, C_in, C_out, H, W, kH, kW, stride, pad, bias, dtype=np.float64):
    """x (B, C_in, H, W), w (C_out, C_in, kH, kW), b (C_out,) or None, dout for the output shape."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, C_in, H, W)).astype(dtype)
    w = rng.standard_normal((C_out, C_in, kH, kW)).astype(dtype)
    b = rng.standard_normal(C_out).astype(dtype) if bias else None
    H_out, W_out = (H + 2 * pad - kH) // stride + 1, (W + 2 * pad - kW) // stride + 1
    dout = rng.standard_normal((B, C_out, H_out, W_out)).astype(dtype)
    return x, w, b, dout


def torch_conv(x, w, b, dout, stride, pad):
    """F.conv2d forward and autograd gradients in float64: out, dx, dw, db (db of a zero bias if b is None)."""
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    wt = torch.tensor(np.asarray(w, dtype=np.float64), requires_grad=True)
    bt = torch.tensor(np.zeros(w.shape[0]) if b is None else np.asarray(b, dtype=np.float64), requires_grad=True)
    out = F.conv2d(xt, wt, bt if b is not None else None, stride=stride, padding=pad)
    out.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
    db = bt.grad.numpy() if b is not None else torch.tensor(np.asarray(dout, dtype=np.float64)).sum((0, 2, 3)).numpy()
    return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), db


@pytest.mark.parametrize("name", list(CASES))
def test_float64_matches_torch(name):
    B, C_in, C_out, H, W, kH, kW, stride, pad, bias = CASES[name]
    x, w, b, dout = make_case(1, *CASES[name])
    out = ref.conv2d_forward(x, w, b, stride=stride, pad=pad)
    dx, dw, db = ref.conv2d_backward(dout, x, w, stride=stride, pad=pad)
    t_out, t_dx, t_dw, t_db = torch_conv(x, w, b, dout, stride, pad)
    assert out.shape == t_out.shape and out.dtype == np.float64
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == (C_out,)
    for got, want in ((out, t_out), (dx, t_dx), (dw, t_dw), (db, t_db)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_float32_keeps_dtype_and_matches_torch(name):
    B, C_in, C_out, H, W, kH, kW, stride, pad, bias = CASES[name]
    x, w, b, dout = make_case(2, *CASES[name], dtype=np.float32)
    out = ref.conv2d_forward(x, w, b, stride=stride, pad=pad)
    grads = ref.conv2d_backward(dout, x, w, stride=stride, pad=pad)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    # float64 inside, one rounding at the end: half an ulp of float32 relative to each value.
    for got, want in zip((out, *grads), torch_conv(x, w, b, dout, stride, pad)):
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-6)


def test_forward_matches_the_definition_by_brute_force():
    x, w, b, _ = make_case(3, 2, 3, 2, 7, 6, 3, 2, 2, 1, True)
    stride, pad = 2, 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = ref.conv2d_forward(x, w, b, stride=stride, pad=pad)
    expected = np.zeros(out.shape)
    for n, o, p, q in np.ndindex(*out.shape):
        expected[n, o, p, q] = b[o] + sum(x_pad[n, c, p * stride + i, q * stride + j] * w[o, c, i, j]
                                          for c in range(3) for i in range(3) for j in range(2))
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-13)


def test_backward_matches_finite_differences():
    x, w, b, dout = make_case(4, 2, 2, 3, 6, 5, 3, 2, 2, 1, True)
    stride, pad, h = 2, 1, 1e-6

    def loss(x_, w_, b_):
        return float((ref.conv2d_forward(x_, w_, b_, stride=stride, pad=pad) * dout).sum())

    dx, dw, db = ref.conv2d_backward(dout, x, w, stride=stride, pad=pad)
    for name, array, grad in (("x", x, dx), ("w", w, dw), ("b", b, db)):
        numeric = np.zeros_like(array)
        for index in np.ndindex(*array.shape):
            args = {"x": x.copy(), "w": w.copy(), "b": b.copy()}
            args[name][index] += h
            plus = loss(args["x"], args["w"], args["b"])
            args[name][index] -= 2 * h
            minus = loss(args["x"], args["w"], args["b"])
            numeric[index] = (plus - minus) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7, err_msg=f"d loss / d {name}")


def test_unreached_rows_and_cols_get_exactly_zero_gradient():
    # H=8, W=7, 3x3, stride 3, no pad: windows start at 0 and 3 and read rows/cols 0..5;
    # rows 6, 7 and col 6 are never read, so their gradient is exactly 0 (and torch agrees).
    x, w, b, dout = make_case(5, 2, 2, 3, 8, 7, 3, 3, 3, 0, True)
    dx, _, _ = ref.conv2d_backward(dout, x, w, stride=3, pad=0)
    assert np.all(dx[:, :, 6:, :] == 0) and np.all(dx[:, :, :, 6:] == 0)
    assert np.all(dx[:, :, :6, :6] != 0)
    np.testing.assert_array_equal(torch_conv(x, w, b, dout, 3, 0)[1][:, :, 6:, :], 0.0)


def test_inputs_left_unchanged():
    x, w, b, dout = make_case(6, *CASES["non-square input and kernel, stride 2, pad 1"])
    saved = [a.copy() for a in (x, w, b, dout)]
    ref.conv2d_forward(x, w, b, stride=2, pad=1)
    ref.conv2d_backward(dout, x, w, stride=2, pad=1)
    for before, after in zip(saved, (x, w, b, dout)):
        np.testing.assert_array_equal(before, after)


# -- the PyTorch reference (graders/keys/conv2d/torch/reference.py) ----------------------------------

def _torch_reference():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("torch") / "reference.py"
    spec = importlib.util.spec_from_file_location("conv2d_torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torch_reference_outputs(tref, x, w, b, dout, stride, pad):
    """The torch reference's out, dx, dw, db on tensors made from the arrays, as tensors."""
    xt, wt, dt = (torch.from_numpy(a) for a in (x, w, dout))
    bt = None if b is None else torch.from_numpy(b)
    return (tref.conv2d_forward(xt, wt, bt, stride=stride, pad=pad),
            *tref.conv2d_backward(dt, xt, wt, stride=stride, pad=pad))


@pytest.mark.parametrize("name", list(CASES))
def test_the_torch_reference_matches_torch_autograd_and_the_numpy_reference(name):
    tref = _torch_reference()
    B, C_in, C_out, H, W, kH, kW, stride, pad, bias = CASES[name]
    x, w, b, dout = make_case(7, *CASES[name])
    got = torch_reference_outputs(tref, x, w, b, dout, stride, pad)
    assert all(isinstance(t, torch.Tensor) and t.dtype == torch.float64 and not t.requires_grad for t in got)
    assert [tuple(t.shape) for t in got[1:]] == [x.shape, w.shape, (C_out,)]
    numpy_ref = (ref.conv2d_forward(x, w, b, stride=stride, pad=pad), *ref.conv2d_backward(dout, x, w, stride=stride, pad=pad))
    for t, want, mine in zip(got, torch_conv(x, w, b, dout, stride, pad), numpy_ref):
        np.testing.assert_allclose(t.numpy(), want, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(t.numpy(), mine, rtol=1e-13, atol=1e-13)   # the same algorithm, both in float64


@pytest.mark.parametrize("name", list(CASES))
def test_the_torch_reference_keeps_float32_and_matches_torch(name):
    tref = _torch_reference()
    B, C_in, C_out, H, W, kH, kW, stride, pad, bias = CASES[name]
    x, w, b, dout = make_case(8, *CASES[name], dtype=np.float32)
    got = torch_reference_outputs(tref, x, w, b, dout, stride, pad)
    assert all(t.dtype == torch.float32 for t in got)
    # float64 inside, one rounding at the end: half an ulp of float32 relative to each value.
    for t, want in zip(got, torch_conv(x, w, b, dout, stride, pad)):
        np.testing.assert_allclose(t.numpy(), want, rtol=1e-7, atol=1e-6)


def test_the_torch_reference_gives_exactly_zero_gradient_to_unread_rows_and_cols():
    tref = _torch_reference()
    x, w, b, dout = make_case(9, 2, 2, 3, 8, 7, 3, 3, 3, 0, True)
    _, dx, _, _ = torch_reference_outputs(tref, x, w, b, dout, 3, 0)
    assert torch.all(dx[:, :, 6:, :] == 0) and torch.all(dx[:, :, :, 6:] == 0)
    assert torch.all(dx[:, :, :6, :6] != 0)


def test_the_torch_reference_leaves_its_inputs_alone():
    tref = _torch_reference()
    for stride, pad in ((2, 1), (1, 0)):                  # pad 0: no padded copy to hide behind
        x, w, b, dout = make_case(10, 2, 3, 4, 7, 6, 3, 2, stride, pad, True)
        tensors = [torch.from_numpy(a) for a in (x, w, b, dout)]
        saved = [t.clone() for t in tensors]
        tref.conv2d_forward(*tensors[:3], stride=stride, pad=pad)
        tref.conv2d_backward(tensors[3], *tensors[:2], stride=stride, pad=pad)
        assert all(torch.equal(t, s) for t, s in zip(tensors, saved))
