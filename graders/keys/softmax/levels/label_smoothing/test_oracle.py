"""The label_smoothing level's references (NumPy and PyTorch) against torch.nn.functional.cross_entropy
(label_smoothing=eps, ignore_index, mean reduction) and its autograd gradient, in float64."""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graders.keys.softmax.levels.label_smoothing import reference as ref  # noqa: E402

spec = importlib.util.spec_from_file_location("label_smoothing_torch_reference", Path(__file__).parent / "torch" / "reference.py")
torch_ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(torch_ref)


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def torch_loss_and_grad(logits, labels, eps, ignore_index=None):
    V = logits.shape[-1]
    z = torch.tensor(logits, dtype=torch.float64).reshape(-1, V).requires_grad_(True)      # (N, V)
    y = torch.tensor(labels, dtype=torch.int64).reshape(-1)                                # (N,)
    kwargs = {} if ignore_index is None else {"ignore_index": ignore_index}
    loss = F.cross_entropy(z, y, label_smoothing=eps, **kwargs)
    loss.backward()
    return loss.item(), z.grad.reshape(logits.shape).numpy()


def problem(seed, lead, V, ignored=(), scale=2.0):
    rng = np.random.default_rng(seed)
    logits, labels = scale * rng.standard_normal((*lead, V)), rng.integers(0, V, size=lead)
    labels.reshape(-1)[list(ignored)] = -100
    return logits, labels


@pytest.mark.parametrize("eps", [0.0, 0.05, 0.1, 0.3, 1.0])
@pytest.mark.parametrize("lead, ignored", [((6,), ()), ((2, 4), (1, 6, 7)), ((3,), (0,))])
def test_matches_torch_cross_entropy_and_autograd(eps, lead, ignored):
    logits, labels = problem(len(lead) * 10 + len(ignored), lead, 5, ignored)
    ignore_index = -100 if ignored else None
    loss, grad = torch_loss_and_grad(logits, labels, eps, ignore_index)
    assert ref.cross_entropy(logits, labels, ignore_index, eps) == pytest.approx(loss, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(ref.cross_entropy_grad(logits, labels, ignore_index, eps), grad, rtol=1e-12, atol=1e-16)
    t_logits, t_labels = torch.tensor(logits), torch.tensor(labels)
    assert torch_ref.cross_entropy(t_logits, t_labels, ignore_index, eps) == pytest.approx(loss, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(torch_ref.cross_entropy_grad(t_logits, t_labels, ignore_index, eps).numpy(), grad,
                               rtol=1e-12, atol=1e-16)


def test_masked_logits_infinite_loss_finite_gradient_like_torch():
    logits, labels = problem(7, (4,), 6)
    logits[np.arange(4), (labels + 1) % 6] = -np.inf
    for eps in (0.0, 0.1):
        loss, grad = torch_loss_and_grad(logits, labels, eps)
        assert ref.cross_entropy(logits, labels, label_smoothing=eps) == loss       # +inf for eps > 0
        np.testing.assert_allclose(ref.cross_entropy_grad(logits, labels, label_smoothing=eps), grad, rtol=1e-12, atol=1e-16)
    assert ref.cross_entropy(logits, labels, label_smoothing=0.1) == np.inf


def test_magnitude_1e4_and_float32():
    logits, labels = np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4 + 1.0, -1e4 + 2.0, -1e4 - 3.0]]), np.array([1, 2])
    loss, grad = torch_loss_and_grad(logits, labels, 0.1)
    assert ref.cross_entropy(logits, labels, label_smoothing=0.1) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(ref.cross_entropy_grad(logits, labels, label_smoothing=0.1), grad, rtol=1e-12, atol=1e-16)
    x, y = problem(8, (6,), 6)
    x32 = x.astype(np.float32)
    assert ref.cross_entropy_grad(x32, y, label_smoothing=0.1).dtype == np.float32
    assert torch_ref.cross_entropy_grad(torch.tensor(x32), torch.tensor(y), label_smoothing=0.1).dtype == torch.float32


def test_every_label_ignored_and_bad_smoothing():
    logits, labels = problem(9, (3,), 4, ignored=(0, 1, 2))
    assert ref.cross_entropy(logits, labels, -100, 0.1) == 0.0
    assert not ref.cross_entropy_grad(logits, labels, -100, 0.1).any()
    for eps in (-0.1, 1.5, True):
        with pytest.raises(ValueError):
            ref.cross_entropy(logits, labels, label_smoothing=eps)
        with pytest.raises(ValueError):
            torch_ref.cross_entropy_grad(torch.tensor(logits), torch.tensor(labels), label_smoothing=eps)
