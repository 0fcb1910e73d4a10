"""The logsumexp level's references (NumPy and PyTorch) against torch.logsumexp, by hand values, and
each other, on every kind of slice the hidden tests use (random, 1e4 and 1e300, -inf, all -inf, +inf)."""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from graders.keys.softmax.levels.logsumexp import reference as ref  # noqa: E402

spec = importlib.util.spec_from_file_location("logsumexp_torch_reference", Path(__file__).parent / "torch" / "reference.py")
torch_ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(torch_ref)

CASES = {
    "random (4, 7)": (lambda: 3.0 * np.random.default_rng(0).standard_normal((4, 7)), -1),
    "(3, 4, 5), axis 0": (lambda: np.random.default_rng(1).standard_normal((3, 4, 5)), 0),
    "(3, 4, 5), axis -2": (lambda: np.random.default_rng(2).standard_normal((3, 4, 5)), -2),
    "1-D": (lambda: np.random.default_rng(3).standard_normal(6), -1),
    "magnitudes 1e4 and 1e300": (lambda: np.array([[1e4, 1e4 - 1.0, -1e4, 5e3], [1e300, 1e300, 0.0, -1e300]]), -1),
    "rows near +-1000": (lambda: np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.0]]), -1),
    "-inf, all -inf, +inf": (lambda: np.array([[0.5, -np.inf, 2.0], [-np.inf, -np.inf, -np.inf],
                                               [np.inf, -np.inf, 1.0], [np.inf, np.inf, 3.0]]), -1),
}


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


@pytest.mark.parametrize("name", CASES)
def test_matches_torch_logsumexp(name):
    make, axis = CASES[name]
    x = make()
    expected = torch.logsumexp(torch.tensor(x), dim=axis).numpy()
    out = ref.logsumexp(x, axis=axis)
    assert out.shape == expected.shape and out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=0)     # inf and -inf must match exactly
    torch_out = torch_ref.logsumexp(torch.tensor(x), axis=axis)
    assert torch_out.dtype == torch.float64
    np.testing.assert_allclose(torch_out.numpy(), out, rtol=1e-15, atol=0)


def test_hand_values():
    assert ref.logsumexp(np.full(5, 1.5)) == pytest.approx(1.5 + np.log(5), rel=1e-15)
    assert ref.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
    assert ref.logsumexp(np.array([np.inf, -np.inf])) == np.inf
    assert ref.logsumexp(np.array([1e300, 1e300])) == pytest.approx(1e300, rel=1e-15)


def test_float32_kept_and_accurate():
    x = (3.0 * np.random.default_rng(4).standard_normal((5, 7))).astype(np.float32)
    out, torch_out = ref.logsumexp(x), torch_ref.logsumexp(torch.tensor(x))
    assert out.dtype == np.float32 and torch_out.dtype == torch.float32
    expected = torch.logsumexp(torch.tensor(x, dtype=torch.float64), dim=-1).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    np.testing.assert_allclose(torch_out.numpy(), expected, rtol=1e-6)
