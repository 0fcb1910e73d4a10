"""The dilation_groups level's references (NumPy and PyTorch) against independent oracles:
torch.nn.functional.conv2d(stride, padding, dilation, groups) and its autograd in float64, a brute-force sum
straight from the definition, and central finite differences. Run from the repository root:
pytest graders/keys/conv2d/levels/dilation_groups/test_oracle.py"""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graders.keys.conv2d.levels.dilation_groups import reference as ref  # noqa: E402

spec = importlib.util.spec_from_file_location("dilation_groups_torch_reference", Path(__file__).parent / "torch" / "reference.py")
torch_ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(torch_ref)

# (B, C_in, C_out, H, W, kH, kW, stride, pad, dilation, groups, bias)
CASES = {
    "the kata's convolution (dilation 1, groups 1)": (2, 3, 4, 7, 6, 3, 2, 2, 1, 1, 1, True),
    "dilation 2, no pad": (2, 3, 4, 9, 8, 3, 3, 1, 0, 2, 1, True),
    "dilation 3, stride 2, pad 2, no bias": (1, 2, 3, 12, 11, 3, 2, 2, 2, 3, 1, False),
    "2 groups of 2 channels and 3 filters": (2, 4, 6, 6, 7, 3, 3, 1, 1, 1, 2, True),
    "3 groups, stride 3 leaves a remainder": (2, 6, 3, 10, 8, 2, 3, 3, 0, 1, 3, True),
    "depthwise": (2, 4, 4, 7, 6, 3, 3, 1, 1, 1, 4, True),
    "depthwise with a channel multiplier of 2": (2, 3, 6, 6, 7, 3, 3, 1, 1, 1, 3, True),
    "dilated depthwise, same padding": (2, 3, 3, 9, 8, 3, 3, 1, 2, 2, 3, False),
    "dilated and grouped, stride 2": (2, 4, 6, 11, 10, 3, 3, 2, 2, 2, 2, True),
    "dilated kernel as large as the padded input": (2, 2, 4, 5, 8, 3, 3, 1, 1, 3, 2, True),
    "1x1 kernel, dilation has nothing to space": (2, 4, 2, 5, 6, 1, 1, 1, 0, 4, 2, True),
}


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def make_case(seed, B, C_in, C_out, H, W, kH, kW, stride, pad, dilation, groups, bias, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, C_in, H, W)).astype(dtype)
    w = rng.standard_normal((C_out, C_in // groups, kH, kW)).astype(dtype)
    b = rng.standard_normal(C_out).astype(dtype) if bias else None
    H_out, W_out = ref.output_size(H, kH, stride, pad, dilation), ref.output_size(W, kW, stride, pad, dilation)
    dout = rng.standard_normal((B, C_out, H_out, W_out)).astype(dtype)
    return x, w, b, dout


def torch_conv(x, w, b, dout, stride, pad, dilation, groups):
    """F.conv2d forward and autograd gradients in float64: out, dx, dw, db (db = dout's sum if b is None)."""
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = None if b is None else torch.tensor(b, dtype=torch.float64, requires_grad=True)
    out = F.conv2d(xt, wt, bt, stride=stride, padding=pad, dilation=dilation, groups=groups)
    d = torch.tensor(dout, dtype=torch.float64)
    out.backward(d)
    db = d.sum((0, 2, 3)) if b is None else bt.grad
    return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), db.numpy()


def numpy_outputs(x, w, b, dout, stride, pad, dilation, groups):
    return (ref.conv2d_forward(x, w, b, stride, pad, dilation, groups),
            *ref.conv2d_backward(dout, x, w, stride, pad, dilation, groups))


def torch_outputs(x, w, b, dout, stride, pad, dilation, groups):
    xt, wt, dt = (torch.from_numpy(a) for a in (x, w, dout))
    bt = None if b is None else torch.from_numpy(b)
    got = (torch_ref.conv2d_forward(xt, wt, bt, stride, pad, dilation, groups),
           *torch_ref.conv2d_backward(dt, xt, wt, stride, pad, dilation, groups))
    assert all(isinstance(t, torch.Tensor) and not t.requires_grad for t in got)
    return got


@pytest.mark.parametrize("outputs", [numpy_outputs, torch_outputs], ids=["numpy", "torch"])
@pytest.mark.parametrize("name", list(CASES))
def test_float64_matches_torch_autograd(name, outputs):
    *config, bias = CASES[name]
    stride, pad, dilation, groups = config[-4:]
    x, w, b, dout = make_case(1, *CASES[name])
    got = outputs(x, w, b, dout, stride, pad, dilation, groups)
    for g, want in zip(got, torch_conv(x, w, b, dout, stride, pad, dilation, groups)):
        g = np.asarray(g)
        assert g.dtype == np.float64 and g.shape == want.shape
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("outputs", [numpy_outputs, torch_outputs], ids=["numpy", "torch"])
@pytest.mark.parametrize("name", list(CASES))
def test_float32_keeps_dtype_and_matches_torch(name, outputs):
    *config, bias = CASES[name]
    stride, pad, dilation, groups = config[-4:]
    x, w, b, dout = make_case(2, *CASES[name], dtype=np.float32)
    got = outputs(x, w, b, dout, stride, pad, dilation, groups)
    # float64 inside, one rounding at the end: half an ulp of float32 relative to each value.
    for g, want in zip(got, torch_conv(x, w, b, dout, stride, pad, dilation, groups)):
        g = np.asarray(g)
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, want, rtol=1e-7, atol=1e-6)


def test_forward_matches_the_definition_by_brute_force():
    x, w, b, _ = make_case(3, 2, 4, 6, 9, 8, 3, 2, 2, 1, 2, 2, True)
    stride, pad, dilation, groups = 2, 1, 2, 2
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = ref.conv2d_forward(x, w, b, stride, pad, dilation, groups)
    C_group, per_group = 4 // groups, 6 // groups
    expected = np.zeros(out.shape)
    for n, o, p, q in np.ndindex(*out.shape):
        g = o // per_group
        expected[n, o, p, q] = b[o] + sum(x_pad[n, g * C_group + c, p * stride + i * dilation, q * stride + j * dilation]
                                          * w[o, c, i, j] for c in range(C_group) for i in range(3) for j in range(2))
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-13)


def test_backward_matches_finite_differences():
    x, w, b, dout = make_case(4, 1, 4, 2, 6, 7, 2, 3, 1, 1, 2, 2, True)
    stride, pad, dilation, groups, h = 1, 1, 2, 2, 1e-6

    def loss(x_, w_, b_):
        return float((ref.conv2d_forward(x_, w_, b_, stride, pad, dilation, groups) * dout).sum())

    grads = ref.conv2d_backward(dout, x, w, stride, pad, dilation, groups)
    for name, array, grad in zip("xwb", (x, w, b), grads):
        numeric = np.zeros_like(array)
        for index in np.ndindex(*array.shape):
            args = {"x": x.copy(), "w": w.copy(), "b": b.copy()}
            args[name][index] += h
            plus = loss(args["x"], args["w"], args["b"])
            args[name][index] -= 2 * h
            minus = loss(args["x"], args["w"], args["b"])
            numeric[index] = (plus - minus) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7, err_msg=f"d loss / d {name}")


@pytest.mark.parametrize("outputs", [numpy_outputs, torch_outputs], ids=["numpy", "torch"])
def test_inputs_between_dilated_taps_get_exactly_zero_gradient(outputs):
    # 2x2 kernel, dilation 2, stride 2, no pad on 8x9: only even rows and cols are read.
    x, w, b, dout = make_case(5, 2, 2, 3, 8, 9, 2, 2, 2, 0, 2, 1, True)
    dx = np.asarray(outputs(x, w, b, dout, 2, 0, 2, 1)[1])
    assert np.all(dx[:, :, 1::2, :] == 0) and np.all(dx[:, :, :, 1::2] == 0)
    assert np.all(dx[:, :, ::2, ::2] != 0)


@pytest.mark.parametrize("reference", [ref, torch_ref], ids=["numpy", "torch"])
@pytest.mark.parametrize("C_in, C_out, groups", [(4, 6, 4), (6, 4, 4), (3, 4, 2), (4, 4, 0)])
def test_groups_not_dividing_the_channels_raise(reference, C_in, C_out, groups):
    def as_input(a):
        return a if reference is ref else torch.from_numpy(a)
    x, w, dout = (as_input(np.ones(shape)) for shape in ((1, C_in, 5, 5), (C_out, 1, 3, 3), (1, C_out, 3, 3)))
    with pytest.raises(ValueError):
        reference.conv2d_forward(x, w, None, 1, 0, 1, groups)
    with pytest.raises(ValueError):
        reference.conv2d_backward(dout, x, w, 1, 0, 1, groups)


@pytest.mark.parametrize("outputs", [numpy_outputs, torch_outputs], ids=["numpy", "torch"])
def test_inputs_left_unchanged(outputs):
    for config in (CASES["dilated and grouped, stride 2"], (2, 4, 4, 6, 7, 2, 3, 1, 0, 2, 4, True)):
        x, w, b, dout = make_case(6, *config)
        saved = [a.copy() for a in (x, w, b, dout)]
        outputs(x, w, b, dout, *config[-5:-1])
        for before, after in zip(saved, (x, w, b, dout)):
            np.testing.assert_array_equal(before, after)
