"""The softmax reference (graders/keys/softmax/reference.py) against independent oracles: torch.softmax,
torch.log_softmax, torch.nn.functional.cross_entropy and autograd, central finite differences, and
properties any correct implementation has. Run from the repository root:
pytest tests/test_oracle_softmax.py"""

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graders.keys.softmax import reference as ref  # noqa: E402


@pytest.fixture(autouse=True)
def warnings_are_errors():
    """The graders' rule: the reference must not emit a RuntimeWarning on any input here."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def logits_and_labels(seed, lead=(6,), V=5, scale=2.0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (scale * rng.standard_normal((*lead, V))).astype(dtype), rng.integers(0, V, size=lead)


def torch_loss_and_grad(logits, labels, ignore_index=None):
    """F.cross_entropy (mean over non-ignored labels) and its autograd gradient, in float64."""
    V = logits.shape[-1]
    z = torch.tensor(logits, dtype=torch.float64).reshape(-1, V).requires_grad_(True)   # (N, V)
    y = torch.tensor(labels, dtype=torch.int64).reshape(-1)                            # (N,)
    kwargs = {} if ignore_index is None else {"ignore_index": ignore_index}
    loss = F.cross_entropy(z, y, reduction="mean", **kwargs)
    loss.backward()
    return loss.item(), z.grad.reshape(logits.shape).numpy()


# -- softmax and log_softmax ---------------------------------------------------------------------------

ARRAYS = {
    "random (4, 7)": (lambda: logits_and_labels(0, lead=(4,), V=7, scale=3.0)[0], -1),
    "random (3, 4, 5), axis 0": (lambda: logits_and_labels(1, lead=(3, 4), V=5)[0], 0),
    "random (3, 4, 5), axis 1": (lambda: logits_and_labels(2, lead=(3, 4), V=5)[0], 1),
    "random (2, 3, 4, 5), axis -2": (lambda: logits_and_labels(3, lead=(2, 3, 4), V=5)[0], -2),
    "1-D (6,)": (lambda: logits_and_labels(4, lead=(), V=6)[0], -1),
    "single class (3, 1)": (lambda: np.array([[2.0], [-1e4], [0.0]]), -1),
    "magnitude 1e4": (lambda: np.array([[1e4, -1e4, 0.0, 5e3], [1e4, 1e4, -5e3, 1e4 - 0.5]]), -1),
    "rows near +1000 and -1000": (lambda: np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.0]]), -1),
    "-inf entries": (lambda: np.array([[0.5, -np.inf, 2.0, -np.inf], [-np.inf, 1.0, -3.0, 0.0]]), -1),
}


@pytest.mark.parametrize("name", ARRAYS)
def test_softmax_and_log_softmax_match_torch(name):
    make, axis = ARRAYS[name]
    x = make()
    t = torch.tensor(x, dtype=torch.float64)
    p, logp = ref.softmax(x, axis=axis), ref.log_softmax(x, axis=axis)
    assert p.shape == logp.shape == x.shape and p.dtype == logp.dtype == np.float64
    np.testing.assert_allclose(p, torch.softmax(t, dim=axis).numpy(), rtol=1e-12, atol=1e-15)
    # log-probs carry the rounding of max + log(sum), up to ulp(|x|max) = 1.8e-12 at 1e4
    np.testing.assert_allclose(logp, torch.log_softmax(t, dim=axis).numpy(), rtol=1e-12,
                               atol=1e-13 * max(1.0, np.abs(x[np.isfinite(x)]).max()))
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=0, atol=1e-14)


def test_log_softmax_stays_finite_where_log_of_softmax_does_not():
    x = np.array([[0.0, -800.0, -1e4]])
    logp = ref.log_softmax(x)
    np.testing.assert_allclose(logp, [[0.0, -800.0, -1e4]], rtol=1e-15, atol=0)
    with np.errstate(divide="ignore", under="ignore"):
        assert np.isneginf(np.log(ref.softmax(x))[0, 1:]).all()    # the bug the kata is about


def test_minus_inf_gives_exact_zero_and_minus_inf():
    x = np.array([[0.5, -np.inf, 2.0, -np.inf]])
    assert (ref.softmax(x)[0, [1, 3]] == 0.0).all()
    assert np.isneginf(ref.log_softmax(x)[0, [1, 3]]).all()
    assert np.isfinite(ref.log_softmax(x)[0, [0, 2]]).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_and_float32_matches_torch(dtype):
    x, labels = logits_and_labels(5, lead=(4, 3), V=6, dtype=dtype)
    assert ref.softmax(x).dtype == dtype and ref.log_softmax(x).dtype == dtype
    assert ref.cross_entropy_grad(x, labels).dtype == dtype
    assert isinstance(ref.cross_entropy(x, labels), float)
    t = torch.tensor(x)                                                  # torch in the same dtype
    np.testing.assert_allclose(ref.softmax(x), torch.softmax(t, dim=-1).numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ref.log_softmax(x), torch.log_softmax(t, dim=-1).numpy(), rtol=1e-5, atol=1e-6)


def test_inputs_are_not_modified():
    x, labels = logits_and_labels(6, lead=(5,), V=4)
    labels[1] = -100
    x0, labels0 = x.copy(), labels.copy()
    ref.softmax(x), ref.log_softmax(x)
    ref.cross_entropy(x, labels, ignore_index=-100), ref.cross_entropy_grad(x, labels, ignore_index=-100)
    assert np.array_equal(x, x0) and np.array_equal(labels, labels0)


# -- cross_entropy and its gradient ----------------------------------------------------------------------

def padded(labels, where, value):
    out = labels.copy()
    out[where] = value
    return out


CE_CASES = {
    "random (8, 5)": lambda: (*logits_and_labels(7, lead=(8,), V=5), None),
    "(2, 3, 4, 6) leading axes": lambda: (*logits_and_labels(8, lead=(2, 3, 4), V=6), None),
    "ignore_index -100": lambda: (lambda z, y: (z, padded(y, [0, 3, 4], -100), -100))(*logits_and_labels(9, lead=(7,))),
    "ignore_index -100, 3-D": lambda: (lambda z, y: (z, padded(y, (0, 1), -100), -100))(
        *logits_and_labels(10, lead=(2, 3), V=4)),
    "ignore_index 0 (a class id)": lambda: (logits_and_labels(11, lead=(6,), V=4)[0], np.array([0, 2, 0, 3, 1, 0]), 0),
    "large vocabulary with -100 (V=130)": lambda: (lambda z, y: (z, padded(y, [1, 2], -100), -100))(
        *logits_and_labels(12, lead=(5,), V=130)),
    "magnitude 1e4": lambda: (np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, 1e4, 1e4, -1e4]]), np.array([1, 3]), None),
    "confidently wrong [30, -30, 0, 0]": lambda: (np.array([[30.0, -30.0, 0.0, 0.0]]), np.array([1]), None),
    "masked vocabulary": lambda: (np.array([[-np.inf, -np.inf, 0.3, 1.2], [2.0, 0.1, -np.inf, -1.0]]),
                                  np.array([2, 0]), None),
}


@pytest.mark.parametrize("name", CE_CASES)
def test_cross_entropy_and_grad_match_torch_autograd(name):
    logits, labels, ignore_index = CE_CASES[name]()
    loss, grad = torch_loss_and_grad(logits, labels, ignore_index)
    scale = max(1.0, np.abs(logits[np.isfinite(logits)]).max())
    ours = ref.cross_entropy(logits, labels, ignore_index=ignore_index)
    assert math.isclose(ours, loss, rel_tol=1e-12, abs_tol=1e-13 * scale), (ours, loss)
    ours_grad = ref.cross_entropy_grad(logits, labels, ignore_index=ignore_index)
    assert ours_grad.shape == logits.shape
    np.testing.assert_allclose(ours_grad, grad, rtol=1e-12, atol=1e-15)


def test_all_ignored_is_zero_where_torch_gives_nan():
    logits, _ = logits_and_labels(13, lead=(3,), V=4)
    labels = np.full(3, -100)
    loss, grad = torch_loss_and_grad(logits, labels, -100)
    assert math.isnan(loss)                      # torch: 0 / 0; the contract says 0.0 instead
    assert ref.cross_entropy(logits, labels, ignore_index=-100) == 0.0
    ours_grad = ref.cross_entropy_grad(logits, labels, ignore_index=-100)
    assert ours_grad.shape == logits.shape and not ours_grad.any()
    assert not np.isnan(grad).any() and not grad.any()   # torch's gradient is zero too


@pytest.mark.parametrize("V", [1, 2, 10, 1000])
def test_all_zero_logits_give_log_V(V):
    logits = np.zeros((3, V))
    labels = np.array([0, V - 1, V // 2])
    assert math.isclose(ref.cross_entropy(logits, labels), math.log(V), rel_tol=1e-14, abs_tol=1e-15)
    assert math.isclose(ref.cross_entropy(logits.astype(np.float32), labels), math.log(V), rel_tol=1e-6,
                        abs_tol=1e-7)


def test_grad_matches_central_finite_differences():
    logits, labels = logits_and_labels(14, lead=(2, 3), V=4)
    labels[0, 1] = -100
    grad = ref.cross_entropy_grad(logits, labels, ignore_index=-100)
    h = 1e-6
    numeric = np.zeros_like(logits)
    for index in np.ndindex(logits.shape):
        plus, minus = logits.copy(), logits.copy()
        plus[index] += h
        minus[index] -= h
        numeric[index] = (ref.cross_entropy(plus, labels, ignore_index=-100)
                          - ref.cross_entropy(minus, labels, ignore_index=-100)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)   # O(h^2) + rounding / h


@pytest.mark.parametrize("labels, ignore_index", [
    ([0, 4, 1], None), ([0, -1, 1], None), ([-100, 2, 1], None), ([-100, -1, 1], -100), ([0, 5, 2], 0),
])
def test_out_of_range_labels_raise(labels, ignore_index):
    logits, _ = logits_and_labels(15, lead=(3,), V=4)
    with pytest.raises(ValueError):
        ref.cross_entropy(logits, np.array(labels), ignore_index=ignore_index)
    with pytest.raises(ValueError):
        ref.cross_entropy_grad(logits, np.array(labels), ignore_index=ignore_index)


def test_ignored_labels_are_exempt_from_the_range_check():
    logits, _ = logits_and_labels(16, lead=(3,), V=4)
    assert np.isfinite(ref.cross_entropy(logits, np.array([-100, 3, 0]), ignore_index=-100))
    assert np.isfinite(ref.cross_entropy(logits, np.array([7, 3, 7]), ignore_index=7))


# -- the PyTorch reference (graders/keys/softmax/torch/reference.py) ----------------------------------

def _torch_reference():
    import importlib.util

    path = Path(__file__).with_name("torch") / "reference.py"
    spec = importlib.util.spec_from_file_location("softmax_torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ARRAYS)
def test_the_torch_reference_matches_torch_and_the_numpy_reference(name):
    tref = _torch_reference()
    make, axis = ARRAYS[name]
    x = make()
    t = torch.tensor(x, dtype=torch.float64)
    p, logp = tref.softmax(t, axis=axis), tref.log_softmax(t, axis=axis)
    assert p.dtype == logp.dtype == torch.float64 and p.shape == t.shape
    torch.testing.assert_close(p, torch.softmax(t, dim=axis), rtol=1e-12, atol=1e-15)
    torch.testing.assert_close(logp, torch.log_softmax(t, dim=axis), rtol=1e-12,
                               atol=1e-13 * max(1.0, np.abs(x[np.isfinite(x)]).max()))
    np.testing.assert_allclose(p.numpy(), ref.softmax(x, axis=axis), rtol=1e-14, atol=1e-16)  # both in float64
    np.testing.assert_allclose(logp.numpy(), ref.log_softmax(x, axis=axis), rtol=1e-14,
                               atol=1e-15 * max(1.0, np.abs(x[np.isfinite(x)]).max()))


@pytest.mark.parametrize("name", CE_CASES)
def test_the_torch_reference_loss_and_grad_match_autograd_and_the_numpy_reference(name):
    tref = _torch_reference()
    logits, labels, ignore_index = CE_CASES[name]()
    loss, grad = torch_loss_and_grad(logits, labels, ignore_index)
    t, y = torch.tensor(logits), torch.tensor(labels, dtype=torch.int64)
    scale = max(1.0, np.abs(logits[np.isfinite(logits)]).max())
    assert math.isclose(tref.cross_entropy(t, y, ignore_index=ignore_index), loss, rel_tol=1e-12, abs_tol=1e-13 * scale)
    np.testing.assert_allclose(tref.cross_entropy_grad(t, y, ignore_index=ignore_index).numpy(), grad,
                               rtol=1e-10, atol=1e-15)
    assert math.isclose(tref.cross_entropy(t, y, ignore_index=ignore_index),
                        ref.cross_entropy(logits, labels, ignore_index=ignore_index), rel_tol=1e-14, abs_tol=1e-14 * scale)


def test_the_torch_reference_keeps_float32_and_leaves_its_inputs_alone():
    tref = _torch_reference()
    x = torch.tensor([[1.0, 2.0, -np.inf], [0.0, 0.0, 0.0]], dtype=torch.float32)
    labels = torch.tensor([1, 0])
    before = x.clone()
    outs = (tref.softmax(x), tref.log_softmax(x), tref.cross_entropy_grad(x, labels))
    assert all(o.dtype == torch.float32 for o in outs) and torch.equal(x, before)
    with pytest.raises(ValueError):
        tref.cross_entropy(x, torch.tensor([3, 0]))
