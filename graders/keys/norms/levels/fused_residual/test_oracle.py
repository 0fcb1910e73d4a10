"""The fused_residual level's references (NumPy and PyTorch) against independent oracles: torch's own
F.rms_norm of x + residual with autograd through both outputs (float64), central finite differences of
the reference's own forward, values by hand, and each other, on every kind of input the hidden tests use
(random rows, rows summing to zero, mean square ~ eps, 1-D to 4-D, float32 and mixed dtypes)."""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graders.keys.norms.levels.fused_residual import reference as ref  # noqa: E402

spec = importlib.util.spec_from_file_location("fused_residual_torch_reference", Path(__file__).parent / "torch" / "reference.py")
torch_ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(torch_ref)


@pytest.fixture(autouse=True)
def warnings_are_errors():
    """The graders' rule: the reference must not emit a RuntimeWarning on any input here."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def inputs(seed, shape, dtype=np.float64, scale=1.5, cancel_rows=False):
    """x, residual, gamma, dy, dresidual_out; with cancel_rows, x = -residual in every other row."""
    rng = np.random.default_rng(seed)
    x, residual = 0.5 + scale * rng.standard_normal(shape), 0.5 + scale * rng.standard_normal(shape)
    if cancel_rows:
        x.reshape(-1, shape[-1])[::2] = -residual.reshape(-1, shape[-1])[::2]
    gamma = 1.0 + 0.5 * rng.standard_normal(shape[-1])
    dy, dresidual_out = rng.standard_normal(shape), rng.standard_normal(shape)
    return tuple(a.astype(dtype) for a in (x, residual, gamma, dy, dresidual_out))


def torch_oracle(x, residual, gamma, dy, dresidual_out, eps):
    """(y, new_residual, dx, dresidual, dgamma) by F.rms_norm and autograd, float64."""
    x, residual, gamma = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, residual, gamma))
    h = x + residual
    y = F.rms_norm(h, (h.shape[-1],), gamma, eps)
    loss = (torch.tensor(dy) * y).sum() + (torch.tensor(dresidual_out) * h).sum()
    grads = torch.autograd.grad(loss, (x, residual, gamma))
    return [t.detach().numpy() for t in (y, h, *grads)]


CASES = {
    "random (4, 8)": dict(seed=0, shape=(4, 8)),
    "(B, T, d) = (2, 3, 5)": dict(seed=1, shape=(2, 3, 5)),
    "1-D (7,)": dict(seed=2, shape=(7,)),
    "4-D (2, 2, 3, 4)": dict(seed=3, shape=(2, 2, 3, 4)),
    "rows summing to zero": dict(seed=4, shape=(4, 5), cancel_rows=True),
    "mean square ~ eps": dict(seed=5, shape=(4, 6), scale=7e-4),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("eps", [None, 0.3])
def test_matches_torch_autograd(name, eps):
    kw = dict(CASES[name])
    x, residual, gamma, dy, dresidual_out = inputs(kw.pop("seed"), kw.pop("shape"), **kw)
    kwargs = {} if eps is None else {"eps": eps}
    expected = torch_oracle(x, residual, gamma, dy, dresidual_out, 1e-6 if eps is None else eps)
    got = [*ref.fused_add_rms_norm(x, residual, gamma, **kwargs),
           *ref.fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, **kwargs)]
    t = [torch.tensor(a) for a in (x, residual, gamma, dy, dresidual_out)]
    got_torch = [*torch_ref.fused_add_rms_norm(*t[:3], **kwargs),
                 *torch_ref.fused_add_rms_norm_backward(t[3], t[4], *t[:3], **kwargs)]
    for a, b, e in zip(got, got_torch, expected):
        assert a.shape == e.shape and a.dtype == np.float64 and b.dtype == torch.float64
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12 * max(1.0, np.abs(e).max()))
        np.testing.assert_allclose(b.numpy(), a, rtol=1e-13, atol=1e-13 * max(1.0, np.abs(e).max()))


def test_backward_matches_finite_differences():
    x, residual, gamma, dy, dresidual_out = inputs(6, (3, 6))
    rng = np.random.default_rng(60)

    def loss(x_, residual_, gamma_):
        y, h = ref.fused_add_rms_norm(x_, residual_, gamma_)
        return float(np.sum(dy * y) + np.sum(dresidual_out * h))

    params = [x, residual, gamma]
    for index, grad in enumerate(ref.fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma)):
        v = rng.standard_normal(grad.shape)
        moved = [list(params), list(params)]
        moved[0][index], moved[1][index] = params[index] + 1e-6 * v, params[index] - 1e-6 * v
        numeric = (loss(*moved[0]) - loss(*moved[1])) / 2e-6
        assert numeric == pytest.approx(float(np.sum(grad * v)), rel=1e-7, abs=1e-8)


def test_hand_values():
    y, h = ref.fused_add_rms_norm(np.array([[2.0, 0.0, 1.0, 1.0]]), np.array([[1.0, 1.0, 0.0, 0.0]]),
                                  np.array([1.0, 2.0, 3.0, 4.0]), eps=1.0)
    np.testing.assert_allclose(h, [[3.0, 1.0, 1.0, 1.0]], rtol=0, atol=0)
    np.testing.assert_allclose(y, [[1.5, 1.0, 1.5, 2.0]], rtol=1e-15)
    x, residual, gamma, _, dresidual_out = inputs(7, (2, 4))
    dx, dresidual, dgamma = ref.fused_add_rms_norm_backward(np.zeros((2, 4)), dresidual_out, x, residual, gamma)
    np.testing.assert_array_equal(dx, dresidual_out)
    np.testing.assert_array_equal(dresidual, dresidual_out)
    np.testing.assert_array_equal(dgamma, np.zeros(4))


def test_dtypes_float32_and_mixed():
    x, residual, gamma, dy, dresidual_out = inputs(8, (3, 5, 16), dtype=np.float32)
    expected = torch_oracle(x, residual, gamma, dy, dresidual_out, 1e-6)
    got = [*ref.fused_add_rms_norm(x, residual, gamma), *ref.fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma)]
    t = [torch.tensor(a) for a in (x, residual, gamma, dy, dresidual_out)]
    got_torch = [*torch_ref.fused_add_rms_norm(*t[:3]), *torch_ref.fused_add_rms_norm_backward(t[3], t[4], *t[:3])]
    for a, b, e in zip(got, got_torch, expected):
        assert a.dtype == np.float32 and b.dtype == torch.float32
        for out in (a, b.numpy()):
            np.testing.assert_allclose(out, e, rtol=1e-5, atol=1e-6 * max(1.0, np.abs(e).max()))
    x64, residual64, gamma64 = (a.astype(np.float64) for a in (x, residual, gamma))
    for args, (y_dtype, h_dtype) in (((x, residual64, gamma64), (np.float64, np.float64)),
                                     ((x, residual, gamma64), (np.float64, np.float32)),
                                     ((x64, residual64, gamma), (np.float64, np.float64))):
        y, h = ref.fused_add_rms_norm(*args)
        y_t, h_t = torch_ref.fused_add_rms_norm(*(torch.tensor(a) for a in args))
        assert (y.dtype, h.dtype) == (y_dtype, h_dtype)
        assert (y_t.dtype, h_t.dtype) == (torch.float64, getattr(torch, np.dtype(h_dtype).name))


def test_inputs_not_modified():
    arrays = inputs(9, (3, 4))
    saved = [a.copy() for a in arrays]
    x, residual, gamma, dy, dresidual_out = arrays
    ref.fused_add_rms_norm(x, residual, gamma)
    ref.fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma)
    tensors = [torch.tensor(a) for a in arrays]
    torch_ref.fused_add_rms_norm(*tensors[:3])
    torch_ref.fused_add_rms_norm_backward(tensors[3], tensors[4], *tensors[:3])
    for a, t, s in zip(arrays, tensors, saved):
        np.testing.assert_array_equal(a, s)
        np.testing.assert_array_equal(t.numpy(), s)
