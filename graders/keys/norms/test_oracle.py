"""The norms reference (graders/keys/norms/reference.py) against independent oracles: torch's
F.layer_norm and F.rms_norm with autograd (float64), central finite differences of the reference's own
forward, and properties any correct implementation has (translation invariance of LayerNorm, exact
values by hand). The PyTorch reference (graders/keys/norms/torch/reference.py) is checked against the same
torch ops and autograd, and against the NumPy reference. Run from the repository root:
pytest graders/keys/norms/test_oracle.py"""

import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graders.keys.norms import reference as ref  # noqa: E402


@pytest.fixture(autouse=True)
def warnings_are_errors():
    """The graders' rule: the reference must not emit a RuntimeWarning on any input here."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def params(seed, shape, dtype=np.float64, loc=0.5, scale=2.0):
    """x (*shape), gamma (d,), beta (d,), dy (*shape): random, gamma around 1."""
    rng = np.random.default_rng(seed)
    d = shape[-1]
    x = loc + scale * rng.standard_normal(shape)
    gamma = 1.0 + 0.5 * rng.standard_normal(d)
    beta = 0.5 * rng.standard_normal(d)
    dy = rng.standard_normal(shape)
    return tuple(a.astype(dtype) for a in (x, gamma, beta, dy))


def constant_rows():
    x = np.array([[3.0, 3.0, 3.0, 3.0, 3.0], [-0.25] * 5, [0.0] * 5, [1.0, 2.0, -1.0, 0.5, 4.0]])   # (4, 5)
    _, gamma, beta, dy = params(9, x.shape)
    return x, gamma, beta, dy


def offset_rows():
    rng = np.random.default_rng(10)
    x = 1e4 + rng.standard_normal((6, 32))                         # mean 1e4, spread 1
    _, gamma, beta, dy = params(10, x.shape)
    return x, gamma, beta, dy


CASES = {  # name -> (x, gamma, beta, dy, eps)
    "(4, 8)": (*params(0, (4, 8)), 1e-5),
    "(2, 3, 6) 3-D": (*params(1, (2, 3, 6)), 1e-5),
    "(7,) 1-D": (*params(2, (7,)), 1e-5),
    "(2, 2, 3, 5) 4-D": (*params(3, (2, 2, 3, 5)), 1e-5),
    "d = 1 (5, 1)": (*params(4, (5, 1)), 1e-5),
    "small spread, std 3e-3 ~ sqrt(eps)": (*params(5, (4, 6), loc=0.2, scale=3e-3), 1e-5),
    "explicit eps 0.5": (*params(6, (3, 7)), 0.5),
    "constant rows": (*constant_rows(), 1e-5),
    "mean 1e4, spread 1": (*offset_rows(), 1e-5),
}


def torch_layer_norm(x, gamma, beta, dy, eps):
    """F.layer_norm and its autograd gradients of sum(dy * y), float64."""
    t = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, gamma, beta)]
    y = F.layer_norm(t[0], (x.shape[-1],), weight=t[1], bias=t[2], eps=eps)
    (y * torch.from_numpy(np.asarray(dy, dtype=np.float64))).sum().backward()
    return y.detach().numpy(), *(a.grad.numpy() for a in t)


def torch_rms_norm(x, gamma, dy, eps):
    """F.rms_norm and its autograd gradients of sum(dy * y), float64."""
    t = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, gamma)]
    y = F.rms_norm(t[0], (x.shape[-1],), weight=t[1], eps=eps)
    (y * torch.from_numpy(np.asarray(dy, dtype=np.float64))).sum().backward()
    return y.detach().numpy(), *(a.grad.numpy() for a in t)


def close(actual, expected, rtol=1e-11, rel_atol=1e-12):
    """Elementwise, with an absolute floor scaled by the array's largest value."""
    expected = np.asarray(expected)
    atol = rel_atol * max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


# -- against torch, float64 ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(CASES))
def test_layer_norm_matches_torch(name):
    x, gamma, beta, dy, eps = CASES[name]
    y_t, dx_t, dgamma_t, dbeta_t = torch_layer_norm(x, gamma, beta, dy, eps)
    y = ref.layer_norm(x, gamma, beta, eps=eps)
    dx, dgamma, dbeta = ref.layer_norm_backward(dy, x, gamma, eps=eps)
    assert y.shape == x.shape and dx.shape == x.shape and dgamma.shape == dbeta.shape == gamma.shape
    assert all(a.dtype == np.float64 for a in (y, dx, dgamma, dbeta))
    close(y, y_t)
    close(dx, dx_t)
    close(dgamma, dgamma_t)
    close(dbeta, dbeta_t)


@pytest.mark.parametrize("name", list(CASES))
def test_rms_norm_matches_torch(name):
    x, gamma, _, dy, eps = CASES[name]
    eps = 1e-6 if eps == 1e-5 else eps                           # RMSNorm's default
    y_t, dx_t, dgamma_t = torch_rms_norm(x, gamma, dy, eps)
    y = ref.rms_norm(x, gamma, eps=eps)
    dx, dgamma = ref.rms_norm_backward(dy, x, gamma, eps=eps)
    assert y.shape == x.shape and dx.shape == x.shape and dgamma.shape == gamma.shape
    assert all(a.dtype == np.float64 for a in (y, dx, dgamma))
    close(y, y_t)
    close(dx, dx_t)
    close(dgamma, dgamma_t)


def test_default_eps_match_torch():
    x, gamma, beta, dy = params(11, (4, 6), loc=-0.3, scale=2e-3)  # var ~ 4e-6: eps matters
    y_t, dx_t, dgamma_t, dbeta_t = torch_layer_norm(x, gamma, beta, dy, 1e-5)
    close(ref.layer_norm(x, gamma, beta), y_t)
    for got, want in zip(ref.layer_norm_backward(dy, x, gamma), (dx_t, dgamma_t, dbeta_t)):
        close(got, want)
    y_t, dx_t, dgamma_t = torch_rms_norm(x, gamma, dy, 1e-6)
    close(ref.rms_norm(x, gamma), y_t)
    for got, want in zip(ref.rms_norm_backward(dy, x, gamma), (dx_t, dgamma_t)):
        close(got, want)


@pytest.mark.parametrize("name", ["(4, 8)", "(2, 3, 6) 3-D", "constant rows"])
def test_float32_is_the_float64_result_rounded_once(name):
    x, gamma, beta, dy, eps = (a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in CASES[name])
    y_t, dx_t, dgamma_t, dbeta_t = torch_layer_norm(x, gamma, beta, dy, eps)
    outs = (ref.layer_norm(x, gamma, beta, eps=eps), *ref.layer_norm_backward(dy, x, gamma, eps=eps))
    for got, want in zip(outs, (y_t, dx_t, dgamma_t, dbeta_t)):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-7 * np.abs(want).max())  # half an ulp
    y_t, dx_t, dgamma_t = torch_rms_norm(x, gamma, dy, 1e-6)
    outs = (ref.rms_norm(x, gamma), *ref.rms_norm_backward(dy, x, gamma))
    for got, want in zip(outs, (y_t, dx_t, dgamma_t)):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-7 * np.abs(want).max())


def test_mixed_dtypes_give_result_type():
    x, gamma, beta, dy = params(12, (3, 4))
    assert ref.layer_norm(x.astype(np.float32), gamma, beta).dtype == np.float64
    assert ref.layer_norm(x, gamma.astype(np.float32), beta.astype(np.float32)).dtype == np.float64
    assert ref.rms_norm(x.astype(np.float32), gamma).dtype == np.float64


# -- finite differences of the reference's own forward ------------------------------------------------

def numerical_grad(f, a, h=1e-6):
    """Central differences of the scalar f at every coordinate of a (float64)."""
    grad = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        plus, minus = a.copy(), a.copy()
        plus[i] += h
        minus[i] -= h
        grad[i] = (f(plus) - f(minus)) / (2 * h)
    return grad


@pytest.mark.parametrize("name", ["(4, 8)", "(2, 3, 6) 3-D", "(7,) 1-D", "d = 1 (5, 1)",
                                  "small spread, std 3e-3 ~ sqrt(eps)", "explicit eps 0.5", "constant rows"])
def test_backward_matches_finite_differences(name):
    x, gamma, beta, dy, eps = CASES[name]
    h = 1e-6 * max(1.0, float(np.abs(x).max())) if name != "small spread, std 3e-3 ~ sqrt(eps)" else 1e-9
    # The loss sum(dy * y) is O(10); central differences err by ~h^2 + 1e-16 * 10 / h, so ~1e-8
    # relative to the gradient, against > 1e-2 for every missing term.
    dx, dgamma, dbeta = ref.layer_norm_backward(dy, x, gamma, eps=eps)
    loss = lambda x_, g_, b_: float(np.sum(dy * ref.layer_norm(x_, g_, b_, eps=eps)))  # noqa: E731
    tol = dict(rtol=1e-5, atol=1e-6 * max(1.0, float(np.abs(dx).max())))
    np.testing.assert_allclose(dx, numerical_grad(lambda a: loss(a, gamma, beta), x, h), **tol)
    np.testing.assert_allclose(dgamma, numerical_grad(lambda a: loss(x, a, beta), gamma), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dbeta, numerical_grad(lambda a: loss(x, gamma, a), beta), rtol=1e-6, atol=1e-7)

    eps = 1e-6 if eps == 1e-5 else eps
    dx, dgamma = ref.rms_norm_backward(dy, x, gamma, eps=eps)
    loss = lambda x_, g_: float(np.sum(dy * ref.rms_norm(x_, g_, eps=eps)))            # noqa: E731
    tol = dict(rtol=1e-5, atol=1e-6 * max(1.0, float(np.abs(dx).max())))
    np.testing.assert_allclose(dx, numerical_grad(lambda a: loss(a, gamma), x, h), **tol)
    np.testing.assert_allclose(dgamma, numerical_grad(lambda a: loss(x, a), gamma), rtol=1e-6, atol=1e-7)


# -- properties -------------------------------------------------------------------------------------

def test_layer_norm_is_translation_invariant_at_1e4():
    # x - 1e4 is exact for x within a factor 2 of 1e4 (Sterbenz), and LayerNorm ignores a shift:
    # the offset rows must give what the same rows centred near 0 give, to rounding.
    x, gamma, beta, dy = offset_rows()
    shifted = x - 1e4
    close(ref.layer_norm(x, gamma, beta), ref.layer_norm(shifted, gamma, beta), rtol=1e-11, rel_atol=1e-11)
    for a, b in zip(ref.layer_norm_backward(dy, x, gamma), ref.layer_norm_backward(dy, shifted, gamma)):
        close(a, b, rtol=1e-10, rel_atol=1e-11)


def test_hand_computed_values():
    # Row [0, 0, 2, 2]: mean 1, biased variance 1 (ddof=1 would give 4/3); with eps 0.44 the
    # root is sqrt(1.44) = 1.2, so xhat = [-1, -1, 1, 1] / 1.2.
    gamma, beta = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.5, 0.0, -0.5, 1.0])
    y = ref.layer_norm(np.array([[0.0, 0.0, 2.0, 2.0]]), gamma, beta, eps=0.44)
    close(y, [[-1 / 1.2 + 0.5, -2 / 1.2, 3 / 1.2 - 0.5, 4 / 1.2 + 1.0]])
    # Row [3, 1, 1, 1]: mean square 3, with eps 1 the root is 2 (no mean subtracted).
    close(ref.rms_norm(np.array([3.0, 1.0, 1.0, 1.0]), gamma, eps=1.0), [1.5, 1.0, 1.5, 2.0])


def test_constant_rows_give_beta_and_finite_gradients():
    x, gamma, beta, dy = constant_rows()
    y = ref.layer_norm(x, gamma, beta)
    np.testing.assert_array_equal(y[:3], np.broadcast_to(beta, (3, 5)))
    assert all(np.isfinite(a).all() for a in ref.layer_norm_backward(dy, x, gamma))
    assert all(np.isfinite(a).all() for a in ref.rms_norm_backward(dy, x, gamma))


def test_inputs_left_unchanged():
    x, gamma, beta, dy = params(13, (2, 3, 4))
    saved = [a.copy() for a in (x, gamma, beta, dy)]
    ref.layer_norm(x, gamma, beta)
    ref.layer_norm_backward(dy, x, gamma)
    ref.rms_norm(x, gamma)
    ref.rms_norm_backward(dy, x, gamma)
    for before, after in zip(saved, (x, gamma, beta, dy)):
        np.testing.assert_array_equal(before, after)


# -- the PyTorch reference (graders/keys/norms/torch/reference.py) ---------------------------------------

def _torch_reference():
    import importlib.util

    path = Path(__file__).with_name("torch") / "reference.py"
    spec = importlib.util.spec_from_file_location("norms_torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tensors(*arrays):
    return [torch.from_numpy(np.array(a)) for a in arrays]      # copies: the NumPy arrays stay untouched


@pytest.mark.parametrize("name", list(CASES))
def test_the_torch_reference_matches_torch_autograd_and_the_numpy_reference(name):
    tref = _torch_reference()
    x, gamma, beta, dy, eps = CASES[name]
    x_t, gamma_t, beta_t, dy_t = tensors(x, gamma, beta, dy)
    # The same float64 formulas, but torch and NumPy sum a row in different orders: at mean 1e4 the row
    # mean differs by a few ulp(1e4) = 1.8e-12, which reaches every centred value (as in the
    # translation-invariance test below); elsewhere they agree to a few ulps.
    same = dict(rtol=1e-10, rel_atol=1e-11) if name == "mean 1e4, spread 1" else dict(rtol=1e-13, rel_atol=1e-14)
    outs = (tref.layer_norm(x_t, gamma_t, beta_t, eps=eps), *tref.layer_norm_backward(dy_t, x_t, gamma_t, eps=eps))
    assert [tuple(o.shape) for o in outs] == [x.shape, x.shape, gamma.shape, gamma.shape]
    assert all(o.dtype == torch.float64 and not o.requires_grad for o in outs)
    numpy_outs = (ref.layer_norm(x, gamma, beta, eps=eps), *ref.layer_norm_backward(dy, x, gamma, eps=eps))
    for got, want, numpy_out in zip(outs, torch_layer_norm(x, gamma, beta, dy, eps), numpy_outs):
        close(got.numpy(), want)
        close(got.numpy(), numpy_out, **same)
    eps = 1e-6 if eps == 1e-5 else eps
    outs = (tref.rms_norm(x_t, gamma_t, eps=eps), *tref.rms_norm_backward(dy_t, x_t, gamma_t, eps=eps))
    assert [tuple(o.shape) for o in outs] == [x.shape, x.shape, gamma.shape]
    numpy_outs = (ref.rms_norm(x, gamma, eps=eps), *ref.rms_norm_backward(dy, x, gamma, eps=eps))
    for got, want, numpy_out in zip(outs, torch_rms_norm(x, gamma, dy, eps), numpy_outs):
        close(got.numpy(), want)
        close(got.numpy(), numpy_out, **same)


def test_the_torch_reference_defaults_match_torch():
    tref = _torch_reference()
    x, gamma, beta, dy = params(11, (4, 6), loc=-0.3, scale=2e-3)  # var ~ 4e-6: eps matters
    x_t, gamma_t, beta_t, dy_t = tensors(x, gamma, beta, dy)
    ours = (tref.layer_norm(x_t, gamma_t, beta_t), *tref.layer_norm_backward(dy_t, x_t, gamma_t))
    for got, want in zip(ours, torch_layer_norm(x, gamma, beta, dy, 1e-5)):
        close(got.numpy(), want)
    ours = (tref.rms_norm(x_t, gamma_t), *tref.rms_norm_backward(dy_t, x_t, gamma_t))
    for got, want in zip(ours, torch_rms_norm(x, gamma, dy, 1e-6)):
        close(got.numpy(), want)


@pytest.mark.parametrize("name", ["(4, 8)", "(2, 3, 6) 3-D", "(7,) 1-D", "constant rows"])
def test_the_torch_reference_in_float32_is_the_numpy_reference_in_float32(name):
    # Both compute in float64 and round once to float32: the same float32 numbers, to one ulp.
    tref = _torch_reference()
    x, gamma, beta, dy, eps = (a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in CASES[name])
    x_t, gamma_t, beta_t, dy_t = tensors(x, gamma, beta, dy)
    ours = (tref.layer_norm(x_t, gamma_t, beta_t, eps=eps), *tref.layer_norm_backward(dy_t, x_t, gamma_t, eps=eps),
            tref.rms_norm(x_t, gamma_t), *tref.rms_norm_backward(dy_t, x_t, gamma_t))
    theirs = (ref.layer_norm(x, gamma, beta, eps=eps), *ref.layer_norm_backward(dy, x, gamma, eps=eps),
              ref.rms_norm(x, gamma), *ref.rms_norm_backward(dy, x, gamma))
    for got, want in zip(ours, theirs):
        assert got.dtype == torch.float32
        np.testing.assert_allclose(got.numpy(), want, rtol=1.2e-7, atol=1.2e-7 * np.abs(want).max())


def test_the_torch_reference_promotes_mixed_dtypes_like_numpy():
    tref = _torch_reference()
    x, gamma, beta, _ = params(12, (3, 4))
    x32, gamma32, beta32 = (torch.from_numpy(a.astype(np.float32)) for a in (x, gamma, beta))
    x64, gamma64, beta64 = tensors(x, gamma, beta)
    assert tref.layer_norm(x32, gamma64, beta64).dtype == torch.float64
    assert tref.layer_norm(x64, gamma32, beta32).dtype == torch.float64
    assert tref.rms_norm(x32, gamma64).dtype == torch.float64
    assert tref.rms_norm(x64, gamma32).dtype == torch.float64
    assert tref.layer_norm(x32, gamma32, beta32).dtype == torch.float32


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_the_torch_reference_leaves_its_inputs_alone(dtype):
    # In float64, x.to(torch.float64) is x itself: an in-place op on it would reach the caller's tensor.
    tref = _torch_reference()
    x, gamma, beta, dy = (t.to(dtype) for t in tensors(*params(13, (2, 3, 4))))
    saved = [t.clone() for t in (x, gamma, beta, dy)]
    tref.layer_norm(x, gamma, beta)
    tref.layer_norm_backward(dy, x, gamma)
    tref.rms_norm(x, gamma)
    tref.rms_norm_backward(dy, x, gamma)
    for before, after in zip(saved, (x, gamma, beta, dy)):
        assert torch.equal(before, after)
