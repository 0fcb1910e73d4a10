"""The mlp_backprop reference (graders/keys/mlp_backprop/reference.py) against independent oracles:
PyTorch autograd through torch.relu and F.cross_entropy, torch.optim.SGD for the step, and central
finite differences of the loss, entry by entry. The PyTorch reference (graders/keys/mlp_backprop/torch/
reference.py) is checked against the same autograd and torch.optim.SGD, and against the NumPy reference.
Run from the repository root:
    pytest graders/keys/mlp_backprop/test_oracle.py"""

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graders.keys.mlp_backprop import reference as ref  # noqa: E402

PARAMS = ("W1", "b1", "W2", "b2")
SHAPES = [(8, 5, 7, 4), (13, 3, 6, 5), (1, 4, 6, 3), (5, 9, 4, 2)]   # (N, D, H, C)


def problem(seed, N=8, D=5, H=7, C=4, dtype=np.float64, logit_scale=2.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D))
    y = rng.integers(0, C, size=N)
    params = (rng.standard_normal((D, H)) / math.sqrt(D), 0.1 * rng.standard_normal(H),
              logit_scale * rng.standard_normal((H, C)) / math.sqrt(H), 0.1 * rng.standard_normal(C))
    return x.astype(dtype), y, tuple(p.astype(dtype) for p in params)


def torch_loss_and_grads(x, y, params):
    """Autograd in float64 from the same inputs: its own matmuls, ReLU and cross-entropy."""
    x_t = torch.from_numpy(np.asarray(x, dtype=np.float64))
    ps = [torch.from_numpy(np.asarray(p, dtype=np.float64)).requires_grad_() for p in params]
    W1, b1, W2, b2 = ps
    logits = torch.relu(x_t @ W1 + b1) @ W2 + b2
    loss = F.cross_entropy(logits, torch.from_numpy(np.asarray(y, dtype=np.int64)))   # mean over the batch
    loss.backward()
    return loss.item(), {name: p.grad.numpy() for name, p in zip(PARAMS, ps)}


def no_warnings(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args)


def assert_grads_close(got, expected, rtol, atol_scale):
    assert set(got) == set(PARAMS)
    for name in PARAMS:
        e = expected[name]
        assert got[name].shape == e.shape, name
        np.testing.assert_allclose(got[name], e, rtol=rtol, atol=atol_scale * max(np.abs(e).max(), 1e-300),
                                   err_msg=f"grads['{name}']")


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "N{}-D{}-H{}-C{}".format(*s))
def test_float64_matches_autograd(shape, seed):
    N, D, H, C = shape
    x, y, params = problem(seed, N, D, H, C)
    loss, grads = no_warnings(ref.mlp_loss_and_grads, x, y, *params)
    expected_loss, expected = torch_loss_and_grads(x, y, params)
    assert isinstance(loss, float)
    assert all(g.dtype == np.float64 for g in grads.values())
    assert math.isclose(loss, expected_loss, rel_tol=1e-13)
    assert_grads_close(grads, expected, rtol=1e-11, atol_scale=1e-13)


def test_exact_zero_pre_activations_match_autograd():
    # torch.relu's backward passes no gradient at 0 (threshold_backward uses > 0), like the contract.
    x = np.array([[-2.0, -2.0, 1.0], [1.0, 2.0, -2.0], [-2.0, -1.0, -1.0],
                  [0.0, -1.0, 0.0], [0.0, -1.0, -1.0], [2.0, -2.0, 1.0]])
    W1 = np.array([[0.0, -1.0, 0.5, 0.0], [-0.5, 1.0, -1.0, 0.0], [1.0, -0.5, -1.0, 0.0]])
    b1 = np.array([0.5, 0.5, -1.0, 0.0])
    assert np.count_nonzero(x @ W1 + b1 == 0.0) == 12
    rng = np.random.default_rng(9)
    W2, b2 = rng.standard_normal((4, 5)), 0.1 * rng.standard_normal(5)
    y = np.array([1, 4, 0, 2, 3, 4])
    _, grads = ref.mlp_loss_and_grads(x, y, W1, b1, W2, b2)
    _, expected = torch_loss_and_grads(x, y, (W1, b1, W2, b2))
    assert_grads_close(grads, expected, rtol=1e-12, atol_scale=1e-14)
    np.testing.assert_array_equal(grads["W1"][:, 3], 0.0)
    assert grads["b1"][3] == 0.0


def test_logits_of_magnitude_1e4_match_autograd_without_warnings():
    x = np.array([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0], [1.0, 0.5, -1.0]])
    W1, b1 = np.eye(3), np.zeros(3)
    W2 = np.array([[1e4, 1e4 - 1, -1e4, 0.0], [-1e4, -1e4 + 2, -1e4 - 1, -1e4 + 0.5], [0.0, 5e3, -5e3, 1e4]])
    b2 = np.array([0.25, -0.5, 0.125, 0.0])
    y = np.array([1, 2, 2, 0])
    loss, grads = no_warnings(ref.mlp_loss_and_grads, x, y, W1, b1, W2, b2)
    expected_loss, expected = torch_loss_and_grads(x, y, (W1, b1, W2, b2))
    assert math.isfinite(loss) and loss > 1e3
    assert math.isclose(loss, expected_loss, rel_tol=1e-13)
    assert_grads_close(grads, expected, rtol=1e-9, atol_scale=1e-11)


def test_confident_correct_loss_is_exact_not_epsilon():
    # Margins of 45 and 60: the true loss is log(1 + 2 e^-45) / 2 + log(1 + e^-60 + e^-70) / 2 ~ 2.9e-20.
    x = np.eye(2)
    W1, b1 = np.eye(2), np.zeros(2)
    W2 = np.array([[45.0, 0.0, 0.0], [0.0, 60.0, -10.0]])
    b2 = np.zeros(3)
    y = np.array([0, 1])
    loss, _ = no_warnings(ref.mlp_loss_and_grads, x, y, W1, b1, W2, b2)
    true = (math.log1p(2 * math.exp(-45)) + math.log1p(math.exp(-60) + math.exp(-70))) / 2
    assert abs(loss - true) <= 1e-19                     # 0 or the true value: never ~1e-12
    assert abs(torch_loss_and_grads(x, y, (W1, b1, W2, b2))[0] - true) <= 1e-19


@pytest.mark.parametrize("seed", range(3))
def test_float64_matches_central_finite_differences(seed):
    # Every entry of every parameter, h = 1e-6: truncation ~h^2, rounding ~1e-16 / h; the inputs are
    # kept >= 1e-3 away from the ReLU kink so no unit switches on or off within the step.
    x, y, params = problem(seed, N=6, D=4, H=5, C=3)
    assert np.abs(x @ params[0] + params[1]).min() > 1e-3
    _, grads = ref.mlp_loss_and_grads(x, y, *params)
    h = 1e-6
    for i, name in enumerate(PARAMS):
        numeric = np.zeros_like(params[i])
        for index in np.ndindex(params[i].shape):
            plus, minus = [p.copy() for p in params], [p.copy() for p in params]
            plus[i][index] += h
            minus[i][index] -= h
            numeric[index] = (ref.mlp_loss_and_grads(x, y, *plus)[0]
                              - ref.mlp_loss_and_grads(x, y, *minus)[0]) / (2 * h)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-6, atol=1e-9, err_msg=f"grads['{name}']")


@pytest.mark.parametrize("lr", [1e-2, 0.3])
def test_train_step_matches_torch_sgd(lr):
    x, y, params = problem(7)
    arrays = [p.copy() for p in params]
    ids = [id(a) for a in arrays]
    loss = ref.mlp_train_step(x, y, *arrays, lr=lr) if lr != 1e-2 else ref.mlp_train_step(x, y, *arrays)
    ps = [torch.from_numpy(p.copy()).requires_grad_() for p in params]
    opt = torch.optim.SGD(ps, lr=lr)
    logits = torch.relu(torch.from_numpy(x) @ ps[0] + ps[1]) @ ps[2] + ps[3]
    torch_loss = F.cross_entropy(logits, torch.from_numpy(y))
    torch_loss.backward()
    opt.step()
    assert [id(a) for a in arrays] == ids
    assert math.isclose(loss, torch_loss.item(), rel_tol=1e-13)              # the loss before the step
    for a, p in zip(arrays, ps):
        np.testing.assert_allclose(a, p.detach().numpy(), rtol=1e-13, atol=1e-15)
    assert not any(np.array_equal(a, p) for a, p in zip(arrays, params))    # the caller's arrays changed


@pytest.mark.parametrize("seed", range(3))
def test_float32_in_float32_out(seed):
    x, y, params = problem(seed, N=9, D=6, H=8, C=5, dtype=np.float32)
    loss, grads = no_warnings(ref.mlp_loss_and_grads, x, y, *params)
    assert isinstance(loss, float)
    assert all(g.dtype == np.float32 for g in grads.values())
    expected_loss, expected = torch_loss_and_grads(x, y, params)
    assert math.isclose(loss, expected_loss, rel_tol=1e-13)                 # float64 inside
    assert_grads_close(grads, expected, rtol=1e-7, atol_scale=1e-12)       # one float32 rounding
    arrays = [p.copy() for p in params]
    ref.mlp_train_step(x, y, *arrays, lr=0.1)
    assert all(a.dtype == np.float32 for a in arrays)


def test_inputs_left_unchanged():
    x, y, params = problem(11)
    saved = [a.copy() for a in (x, y, *params)]
    ref.mlp_loss_and_grads(x, y, *params)
    for before, after in zip(saved, (x, y, *params)):
        np.testing.assert_array_equal(before, after)
    arrays = [p.copy() for p in params]
    ref.mlp_train_step(x, y, *arrays)
    np.testing.assert_array_equal(x, saved[0])
    np.testing.assert_array_equal(y, saved[1])


def test_duplicated_batch_leaves_mean_loss_and_grads_unchanged():
    x, y, params = problem(12)
    loss, grads = ref.mlp_loss_and_grads(x, y, *params)
    loss2, grads2 = ref.mlp_loss_and_grads(np.concatenate([x, x]), np.concatenate([y, y]), *params)
    assert math.isclose(loss, loss2, rel_tol=1e-14)
    assert_grads_close(grads2, grads, rtol=1e-13, atol_scale=1e-15)


# -- the PyTorch reference (graders/keys/mlp_backprop/torch/reference.py) --------------------------------

def _torch_reference():
    import importlib.util

    path = Path(__file__).with_name("torch") / "reference.py"
    spec = importlib.util.spec_from_file_location("mlp_backprop_torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def as_tensors(x, y, params):
    """Copies as tensors (the NumPy arrays stay untouched): x, y int64, (W1, b1, W2, b2)."""
    return (torch.from_numpy(np.array(x)), torch.from_numpy(np.asarray(y, dtype=np.int64).copy()),
            tuple(torch.from_numpy(np.array(p)) for p in params))


def torch_reference_result(x, y, params):
    """The torch reference's (loss, {name: ndarray}), its types checked."""
    x_t, y_t, ps = as_tensors(x, y, params)
    loss, grads = _torch_reference().mlp_loss_and_grads(x_t, y_t, *ps)
    assert isinstance(loss, float)
    assert all(isinstance(g, torch.Tensor) and not g.requires_grad for g in grads.values())
    return loss, {name: g.numpy() for name, g in grads.items()}


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "N{}-D{}-H{}-C{}".format(*s))
def test_the_torch_reference_matches_autograd_and_the_numpy_reference(shape, seed):
    N, D, H, C = shape
    x, y, params = problem(seed, N, D, H, C)
    loss, grads = torch_reference_result(x, y, params)
    expected_loss, expected = torch_loss_and_grads(x, y, params)
    assert all(g.dtype == np.float64 for g in grads.values())
    assert math.isclose(loss, expected_loss, rel_tol=1e-13)
    assert_grads_close(grads, expected, rtol=1e-11, atol_scale=1e-13)
    numpy_loss, numpy_grads = ref.mlp_loss_and_grads(x, y, *params)
    assert math.isclose(loss, numpy_loss, rel_tol=1e-14)
    assert_grads_close(grads, numpy_grads, rtol=1e-12, atol_scale=1e-14)     # the same float64 formulas


def test_the_torch_reference_on_the_hard_cases_matches_autograd():
    # Exact-zero pre-activations (ReLU'(0) = 0 in torch.relu's backward too), then logits of magnitude 1e4.
    x = np.array([[-2.0, -2.0, 1.0], [1.0, 2.0, -2.0], [-2.0, -1.0, -1.0],
                  [0.0, -1.0, 0.0], [0.0, -1.0, -1.0], [2.0, -2.0, 1.0]])
    W1 = np.array([[0.0, -1.0, 0.5, 0.0], [-0.5, 1.0, -1.0, 0.0], [1.0, -0.5, -1.0, 0.0]])
    b1 = np.array([0.5, 0.5, -1.0, 0.0])
    rng = np.random.default_rng(9)
    params = (W1, b1, rng.standard_normal((4, 5)), 0.1 * rng.standard_normal(5))
    y = np.array([1, 4, 0, 2, 3, 4])
    _, grads = torch_reference_result(x, y, params)
    assert_grads_close(grads, torch_loss_and_grads(x, y, params)[1], rtol=1e-12, atol_scale=1e-14)
    assert not grads["W1"][:, 3].any() and grads["b1"][3] == 0.0

    x = np.array([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0], [1.0, 0.5, -1.0]])
    W2 = np.array([[1e4, 1e4 - 1, -1e4, 0.0], [-1e4, -1e4 + 2, -1e4 - 1, -1e4 + 0.5], [0.0, 5e3, -5e3, 1e4]])
    params = (np.eye(3), np.zeros(3), W2, np.array([0.25, -0.5, 0.125, 0.0]))
    y = np.array([1, 2, 2, 0])
    loss, grads = torch_reference_result(x, y, params)
    expected_loss, expected = torch_loss_and_grads(x, y, params)
    assert math.isfinite(loss) and math.isclose(loss, expected_loss, rel_tol=1e-13)
    assert_grads_close(grads, expected, rtol=1e-9, atol_scale=1e-11)


def test_the_torch_reference_confident_correct_loss_is_exact():
    x, W1, b1 = np.eye(2), np.eye(2), np.zeros(2)
    W2, b2 = np.array([[45.0, 0.0, 0.0], [0.0, 60.0, -10.0]]), np.zeros(3)
    true = (math.log1p(2 * math.exp(-45)) + math.log1p(math.exp(-60) + math.exp(-70))) / 2
    loss, _ = torch_reference_result(x, np.array([0, 1]), (W1, b1, W2, b2))
    assert abs(loss - true) <= 1e-19


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("lr", [1e-2, 0.3])
def test_the_torch_reference_step_matches_torch_sgd_in_place(lr, dtype):
    tref = _torch_reference()
    x, y, params = problem(7, dtype=dtype)
    x_t, y_t, ps = as_tensors(x, y, params)
    pointers = [p.data_ptr() for p in ps]
    loss = tref.mlp_train_step(x_t, y_t, *ps, lr=lr) if lr != 1e-2 else tref.mlp_train_step(x_t, y_t, *ps)
    leaves = [torch.from_numpy(p.astype(np.float64)).requires_grad_() for p in params]
    opt = torch.optim.SGD(leaves, lr=lr)
    torch_loss = F.cross_entropy(torch.relu(torch.from_numpy(x.astype(np.float64)) @ leaves[0] + leaves[1])
                                 @ leaves[2] + leaves[3], torch.from_numpy(y))
    torch_loss.backward()
    opt.step()
    assert math.isclose(loss, torch_loss.item(), rel_tol=1e-13)                  # the loss before the step
    assert [p.data_ptr() for p in ps] == pointers                                # the caller's tensors, in place
    for p, leaf, before in zip(ps, leaves, params):
        assert p.dtype == torch.from_numpy(before).dtype
        want = leaf.detach().to(p.dtype)                                         # rounded once to the dtype
        torch.testing.assert_close(p, want, rtol=0 if dtype == np.float32 else 1e-13, atol=1e-15)
        assert not np.array_equal(p.numpy(), before)
    assert np.array_equal(x_t.numpy(), x) and np.array_equal(y_t.numpy(), y)


@pytest.mark.parametrize("seed", range(3))
def test_the_torch_reference_in_float32_is_the_numpy_reference_in_float32(seed):
    # Both compute in float64 and round the gradients once: the same float32 numbers.
    x, y, params = problem(seed, N=9, D=6, H=8, C=5, dtype=np.float32)
    loss, grads = torch_reference_result(x, y, params)
    numpy_loss, numpy_grads = ref.mlp_loss_and_grads(x, y, *params)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert math.isclose(loss, numpy_loss, rel_tol=1e-14)
    assert_grads_close(grads, numpy_grads, rtol=1.2e-7, atol_scale=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_torch_reference_leaves_its_inputs_alone(dtype):
    # In float64, t.to(torch.float64) is t itself: an in-place op on it would reach the caller's tensor.
    tref = _torch_reference()
    x, y, params = problem(11, dtype=dtype)
    x_t, y_t, ps = as_tensors(x, y, params)
    tref.mlp_loss_and_grads(x_t, y_t, *ps)
    for before, after in zip((x, y, *params), (x_t, y_t, *ps)):
        np.testing.assert_array_equal(after.numpy(), before)
