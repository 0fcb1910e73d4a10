"""The logreg reference (graders/keys/logreg/reference.py) against independent oracles:
torch.nn.functional.binary_cross_entropy_with_logits with autograd for the loss and its
gradients, torch.sigmoid, torch.optim.SGD for the training steps, torch's L-BFGS and autograd for
the regularised optimum; plus the properties the hidden tests rely on (the tiny problems of the
exhaustive search tell every order apart; one-hot data makes the weights' multiset order-free).
Run from the repository root: pytest graders/keys/logreg/test_oracle.py"""

import importlib.util
import itertools
import random
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from graders.keys.logreg import reference as ref  # noqa: E402

HIDDEN_TESTS = Path(__file__).resolve().parents[3] / "katas" / "logreg" / "test_logreg.py"


def problem(seed, n=30, d=4, w_scale=1.0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = rng.integers(0, 2, n)
    w = (w_scale * rng.standard_normal(d)).astype(dtype)
    return X, y, w, float(rng.standard_normal())


def torch_loss_and_grad(X, y, w, b, l2):
    """F.binary_cross_entropy_with_logits (mean) + 0.5 * l2 * ||w||^2, differentiated by autograd."""
    Xt = torch.from_numpy(np.asarray(X, dtype=np.float64))
    yt = torch.from_numpy(np.asarray(y, dtype=np.float64))
    wt = torch.tensor(np.asarray(w, dtype=np.float64), requires_grad=True)
    bt = torch.tensor(float(b), dtype=torch.float64, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(Xt @ wt + bt, yt) + 0.5 * l2 * (wt ** 2).sum()
    loss.backward()
    return loss.item(), wt.grad.numpy(), bt.grad.item()


def no_warnings(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args)


# -- sigmoid, loss, gradients, predict_proba --------------------------------------------------------

@pytest.mark.parametrize("dtype, big", [(np.float64, 1e4), (np.float32, 1e4), (np.float32, 100.0)])
def test_sigmoid_matches_torch_without_warnings(dtype, big):
    z = np.concatenate([np.linspace(-40, 40, 161), [big, -big, 745.0, -745.0, 800.0, -800.0]]).astype(dtype)
    p = no_warnings(ref.sigmoid, z)
    assert p.dtype == dtype and p.shape == z.shape
    expected = torch.sigmoid(torch.from_numpy(z.astype(np.float64))).numpy()
    if dtype == np.float64:
        np.testing.assert_allclose(p, expected, rtol=1e-15, atol=1e-300)  # relative down to p ~ 1e-300
    else:
        np.testing.assert_allclose(p, expected, rtol=6e-8, atol=1e-45)   # rounded once to float32
    assert ref.sigmoid(np.array([1e4]))[0] == 1.0 and ref.sigmoid(np.array([-1e4]))[0] == 0.0


@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("seed", range(5))
def test_loss_and_grad_match_torch_autograd(seed, l2):
    X, y, w, b = problem(seed, w_scale=1.0 + seed)
    loss, dw, db = ref.logreg_loss_and_grad(X, y, w, b, l2)
    e_loss, e_dw, e_db = torch_loss_and_grad(X, y, w, b, l2)
    assert isinstance(loss, float) and isinstance(db, float) and dw.shape == w.shape and dw.dtype == np.float64
    np.testing.assert_allclose(loss, e_loss, rtol=1e-13)
    np.testing.assert_allclose(dw, e_dw, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(db, e_db, rtol=1e-12, atol=1e-15)


def test_loss_of_saturated_logits_matches_torch():
    # z = [1e4, -1e4, 1e4, -1e4, 800, -800, 40, -40] against labels that are wrong, right, ...
    X = np.array([[1.0], [-1.0], [1.0], [-1.0], [0.08], [-0.08], [0.004], [-0.004]])
    w = np.array([1e4])
    for y in (np.array([0, 1, 1, 0, 1, 0, 0, 1]), np.array([1, 0, 1, 0, 1, 0, 1, 0])):
        loss, dw, db = no_warnings(ref.logreg_loss_and_grad, X, y, w, 0.0)
        e_loss, e_dw, e_db = torch_loss_and_grad(X, y, w, 0.0, 0.0)
        assert np.isfinite(loss)
        np.testing.assert_allclose(loss, e_loss, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dw, e_dw, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(db, e_db, rtol=1e-12, atol=1e-15)
    wrong = np.array([0, 1, 1, 0, 1, 0, 0, 1])                   # the first two are wrong at |z| = 1e4
    assert abs(ref.logreg_loss_and_grad(X[:2], wrong[:2], w, 0.0)[0] - 1e4) < 1e-9


def test_float32_and_mixed_dtypes():
    X, y, w, b = problem(7, dtype=np.float32)
    loss, dw, db = ref.logreg_loss_and_grad(X, y, w, b, 0.1)
    assert dw.dtype == np.float32
    e_loss, e_dw, e_db = torch_loss_and_grad(X, y, w, b, 0.1)
    np.testing.assert_allclose(dw, e_dw, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose([loss, db], [e_loss, e_db], rtol=1e-12, atol=1e-14)   # floats from float64 math
    assert ref.logreg_loss_and_grad(X, y.astype(np.float32), w, b)[1].dtype == np.float32
    assert ref.logreg_loss_and_grad(X, y, w.astype(np.float64), b)[1].dtype == np.float64
    assert ref.predict_proba(X, w, b).dtype == np.float32
    assert ref.predict_proba(X, w.astype(np.float64), b).dtype == np.float64


def test_predict_proba_matches_torch():
    X, _, w, b = problem(8, n=12, d=3, w_scale=3.0)
    expected = torch.sigmoid(torch.from_numpy(X) @ torch.from_numpy(w) + b).numpy()
    np.testing.assert_allclose(ref.predict_proba(X, w, b), expected, rtol=1e-14, atol=1e-300)


def test_labels_as_ints_or_floats_agree():
    X, y, w, b = problem(9)
    label_dtypes = (np.int64, np.int32, np.float64, np.float32)
    results = [ref.logreg_loss_and_grad(X, y.astype(t), w, b, 0.2) for t in label_dtypes]
    for loss, dw, db in results[1:]:
        assert loss == results[0][0] and db == results[0][2] and np.array_equal(dw, results[0][1])


# -- training ---------------------------------------------------------------------------------------

def torch_sgd_along_orders(X, y, orders, lr, l2, batch_size):
    """torch.optim.SGD from zero with weight decay l2 on w only, one step per minibatch of each order."""
    Xt, yt = torch.from_numpy(np.asarray(X, dtype=np.float64)), torch.from_numpy(np.asarray(y, dtype=np.float64))
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([{"params": [w], "weight_decay": l2}, {"params": [b], "weight_decay": 0.0}], lr=lr)
    for order in orders:
        for start in range(0, len(order), batch_size):
            batch = torch.from_numpy(np.asarray(order[start:start + batch_size]))
            opt.zero_grad()
            F.binary_cross_entropy_with_logits(Xt[batch] @ w + b, yt[batch]).backward()
            opt.step()
    return w.detach().numpy(), b.item()


@pytest.mark.parametrize("n, batch_size, epochs", [(10, 3, 4), (7, 7, 3), (5, 8, 2), (33, 32, 2), (6, 1, 2)])
def test_sgd_along_orders_matches_torch_sgd(n, batch_size, epochs):
    X, y, _, _ = problem(n, n=n, d=3)
    rng = np.random.default_rng(100 + n)
    orders = [rng.permutation(n) for _ in range(epochs)]
    w, b = ref.sgd_along_orders(X, y, orders, 0.4, 0.05, batch_size)
    e_w, e_b = torch_sgd_along_orders(X, y, orders, 0.4, 0.05, batch_size)
    np.testing.assert_allclose(w, e_w, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b, e_b, rtol=1e-12, atol=1e-14)


def test_full_batch_sgd_is_torch_gradient_descent_for_any_seed():
    X, y, _, _ = problem(12, n=40, d=3)
    e_w, e_b = torch_sgd_along_orders(X, y, [np.arange(40)] * 30, 0.5, 0.05, 40)
    for seed in (0, 1, 2):
        for batch_size in (40, 64):
            w, b = ref.logreg_sgd(X, y, lr=0.5, epochs=30, l2=0.05, batch_size=batch_size, seed=seed)
            np.testing.assert_allclose(w, e_w, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(b, e_b, rtol=1e-12, atol=1e-14)


def test_regularised_optimum_matches_torch_lbfgs_and_zeroes_the_gradient():
    rng = np.random.default_rng(0)
    y = (rng.random(120) < 0.75).astype(np.int64)
    X = rng.standard_normal((120, 3)) + np.where(y[:, None] == 1, 0.5, -0.5) * np.array([1.0, -0.5, 0.25])
    w, b = ref.regularised_optimum(X, y, 0.1)
    _, dw, db = torch_loss_and_grad(X, y, w, b, 0.1)
    assert np.abs(np.append(dw, db)).max() < 1e-14
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.float64))
    theta = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([theta], max_iter=500, tolerance_grad=1e-14, tolerance_change=1e-16,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(Xt @ theta[:3] + theta[3], yt) + 0.05 * (theta[:3] ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(np.append(w, b), theta.detach().numpy(), rtol=0, atol=1e-8)


def test_sgd_converges_near_the_optimum_and_fits_separable_data():
    rng = np.random.default_rng(0)
    y = (rng.random(120) < 0.75).astype(np.int64)
    X = rng.standard_normal((120, 3)) + np.where(y[:, None] == 1, 0.5, -0.5) * np.array([1.0, -0.5, 0.25])
    optimum = np.append(*ref.regularised_optimum(X, y, 0.1))
    for seed in range(5):
        w, b = ref.logreg_sgd(X, y, lr=0.1, epochs=200, l2=0.1, batch_size=32, seed=seed)
        assert np.abs(np.append(w, b) - optimum).max() < 0.05
    # two blobs 3.6 standard deviations apart: 100% training accuracy with the default settings
    y = rng.integers(0, 2, 100)
    X = 0.5 * rng.standard_normal((100, 2)) + np.where(y[:, None] == 1, 1.0, -1.0) * np.array([1.5, 1.0])
    for seed in range(5):
        w, b = ref.logreg_sgd(X, y, seed=seed)
        assert np.all((X @ w + b > 0) == (y == 1))


def test_sgd_determinism_epochs_dtype_inputs_and_global_state():
    X, y, _, _ = problem(14, n=50, d=3)
    saved = X.copy(), y.copy()
    np_state, py_state = np.random.get_state(), random.getstate()
    a = ref.logreg_sgd(X, y, lr=0.5, epochs=3, batch_size=8, seed=3)
    b = ref.logreg_sgd(X, y, lr=0.5, epochs=3, batch_size=8, seed=3)
    c = ref.logreg_sgd(X, y, lr=0.5, epochs=3, batch_size=8, seed=4)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1] and not np.array_equal(a[0], c[0])
    assert np.array_equal(X, saved[0]) and np.array_equal(y, saved[1])
    now = np.random.get_state()
    assert now[0] == np_state[0] and np.array_equal(now[1], np_state[1]) and now[2:] == np_state[2:]
    assert random.getstate() == py_state
    w32, b32 = ref.logreg_sgd(X.astype(np.float32), y, batch_size=8)
    assert w32.dtype == np.float32 and isinstance(b32, float)


# -- what the hidden tests rely on ------------------------------------------------------------------

def hidden_tests():
    """The hidden test module, imported for its helpers (its category marks are the grader's)."""
    spec = importlib.util.spec_from_file_location("hidden_test_logreg", HIDDEN_TESTS)
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        spec.loader.exec_module(module)
    return module


def test_exhaustive_search_tells_orders_apart():
    """The statistics test reads each epoch's order off (w, b): on its tiny problem every sequence
    of orders must land > 1e-3 apart, a million times the matching tolerance; and the sequences
    the correctness test enumerates must reproduce torch's SGD along the same orders."""
    hidden = hidden_tests()
    keys, outcomes = hidden.every_outcome("3 samples", 1.0, 0.1, 1, 2)
    assert len(set(keys)) == len(keys) == 36
    gaps = np.abs(outcomes[:, None] - outcomes[None]).max(axis=-1) + np.diag([np.inf] * len(keys))
    assert gaps.min() > 1e-3
    for name, lr, l2, batch_size, epochs in (("4 samples", 0.8, 0.2, 3, 2), ("5 samples", 1.0, 0.05, 2, 1)):
        keys, outcomes = hidden.every_outcome(name, lr, l2, batch_size, epochs)
        X, y = hidden.TINY[name]
        for key, outcome in zip(keys, outcomes):
            orders = [np.concatenate(epoch) for epoch in key]
            e_w, e_b = torch_sgd_along_orders(X, y, orders, lr, l2, batch_size)
            np.testing.assert_allclose(outcome, np.append(e_w, e_b), rtol=1e-12, atol=1e-14)


def test_one_hot_weights_multiset_does_not_depend_on_the_order():
    """The partial-minibatch test compares sorted weights: true for every order, as here for many."""
    for n, batch_size in ((33, 32), (70, 32)):
        X, y = np.eye(n), np.ones(n)
        first = ref.sgd_along_orders(X, y, [np.arange(n)], 0.5, 0.0, batch_size)
        for seed in range(20):
            w, b = ref.sgd_along_orders(X, y, [np.random.default_rng(seed).permutation(n)], 0.5, 0.0, batch_size)
            np.testing.assert_allclose(np.sort(w), np.sort(first[0]), rtol=1e-14, atol=0)
            assert abs(b - first[1]) < 1e-14


def test_binomial_tail_of_the_statistics_test():
    """20 runs of 2 epochs, each repeating its first order with probability 1/6: a correct solution
    reaches the failing count (14 repeats) with probability < 1e-6; a solution that repeats every
    time always does (20 of 20)."""
    from math import comb
    tail = lambda r: sum(comb(20, k) * (1 / 6) ** k * (5 / 6) ** (20 - k) for k in range(r, 21))  # noqa: E731
    assert tail(14) < 1e-6 < tail(13)
    assert len(list(itertools.permutations(range(3)))) == 6       # the orders of one epoch


# -- the PyTorch reference (graders/keys/logreg/torch/reference.py) ----------------------------------

def torch_reference():
    path = Path(__file__).with_name("torch") / "reference.py"
    spec = importlib.util.spec_from_file_location("logreg_torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_the_torch_reference_sigmoid_matches_torch_sigmoid_and_the_numpy_reference(dtype):
    tref = torch_reference()
    z = torch.cat([torch.linspace(-40, 40, 161, dtype=torch.float64),
                   torch.tensor([1e4, -1e4, 745.0, -745.0, 800.0, -800.0], dtype=torch.float64)]).to(dtype)
    before = z.clone()
    p = tref.sigmoid(z)
    assert p.dtype == dtype and p.shape == z.shape and torch.equal(z, before)
    if dtype == torch.float64:
        torch.testing.assert_close(p, torch.sigmoid(z), rtol=1e-15, atol=1e-300)
        np.testing.assert_allclose(p.numpy(), ref.sigmoid(z.numpy()), rtol=1e-15, atol=1e-300)  # exp's last ulp
    else:
        torch.testing.assert_close(p, torch.sigmoid(z.double()).float(), rtol=6e-8, atol=1e-45)  # rounded once
    assert p[161] == 1.0 and p[162] == 0.0


@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("seed", range(3))
def test_the_torch_reference_loss_and_grad_match_autograd_and_the_numpy_reference(seed, l2):
    tref = torch_reference()
    X, y, w, b = problem(seed, w_scale=1.0 + seed)
    loss, dw, db = tref.logreg_loss_and_grad(torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(w), b, l2)
    e_loss, e_dw, e_db = torch_loss_and_grad(X, y, w, b, l2)
    assert isinstance(loss, float) and isinstance(db, float) and dw.dtype == torch.float64
    np.testing.assert_allclose(loss, e_loss, rtol=1e-13)
    np.testing.assert_allclose(dw.numpy(), e_dw, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(db, e_db, rtol=1e-12, atol=1e-15)
    n_loss, n_dw, n_db = ref.logreg_loss_and_grad(X, y, w, b, l2)
    np.testing.assert_allclose([loss, db], [n_loss, n_db], rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(dw.numpy(), n_dw, rtol=1e-14, atol=1e-16)


def test_the_torch_reference_loss_of_saturated_logits_matches_torch():
    tref = torch_reference()
    X = np.array([[1.0], [-1.0], [1.0], [-1.0], [0.08], [-0.08], [0.004], [-0.004]])
    w = np.array([1e4])
    for y in (np.array([0, 1, 1, 0, 1, 0, 0, 1]), np.array([1, 0, 1, 0, 1, 0, 1, 0])):
        loss, dw, db = tref.logreg_loss_and_grad(torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(w), 0.0)
        e_loss, e_dw, e_db = torch_loss_and_grad(X, y, w, 0.0, 0.0)
        assert np.isfinite(loss)
        np.testing.assert_allclose(loss, e_loss, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dw.numpy(), e_dw, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(db, e_db, rtol=1e-12, atol=1e-15)


def test_the_torch_reference_keeps_dtypes_and_leaves_its_inputs_alone():
    tref = torch_reference()
    X, y, w, b = problem(7, dtype=np.float32)
    Xt, wt = torch.from_numpy(X), torch.from_numpy(w)
    yf = torch.from_numpy(y.astype(np.float64))           # float64 labels: y.to(float64) would be y itself
    saved = Xt.clone(), yf.clone(), wt.clone()
    _, dw, _ = tref.logreg_loss_and_grad(Xt, yf, wt, b, 0.1)
    assert dw.dtype == torch.float32
    assert tref.logreg_loss_and_grad(Xt, torch.from_numpy(y), wt.double(), b)[1].dtype == torch.float64
    assert tref.predict_proba(Xt, wt, b).dtype == torch.float32
    assert tref.predict_proba(Xt, wt.double(), b).dtype == torch.float64
    assert all(torch.equal(a, s) for a, s in zip((Xt, yf, wt), saved))
    np.testing.assert_allclose(tref.predict_proba(Xt.double(), wt.double(), b).numpy(),
                               torch.sigmoid(Xt.double() @ wt.double() + b).numpy(), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("n, batch_size, epochs", [(10, 3, 4), (5, 8, 2), (33, 32, 2), (6, 1, 2)])
def test_the_torch_reference_sgd_is_torch_sgd_along_its_generators_orders(n, batch_size, epochs):
    """The torch reference shuffles with torch.randperm from one torch.Generator(seed): along those orders
    its weights are torch.optim.SGD's (autograd) and the NumPy reference's sgd_along_orders."""
    tref = torch_reference()
    X, y, _, _ = problem(n, n=n, d=3)
    generator = torch.Generator().manual_seed(11)
    orders = [torch.randperm(n, generator=generator).numpy() for _ in range(epochs)]
    state = torch.get_rng_state()
    w, b = tref.logreg_sgd(torch.from_numpy(X), torch.from_numpy(y), lr=0.4, epochs=epochs, l2=0.05,
                           batch_size=batch_size, seed=11)
    assert torch.equal(torch.get_rng_state(), state)            # torch's global generator untouched
    e_w, e_b = torch_sgd_along_orders(X, y, orders, 0.4, 0.05, batch_size)
    np.testing.assert_allclose(w.numpy(), e_w, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b, e_b, rtol=1e-12, atol=1e-14)
    n_w, n_b = ref.sgd_along_orders(X, y, orders, 0.4, 0.05, batch_size)
    np.testing.assert_allclose(w.numpy(), n_w, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(b, n_b, rtol=1e-14, atol=1e-16)


def test_the_torch_reference_sgd_is_deterministic_and_returns_xs_dtype():
    tref = torch_reference()
    X, y, _, _ = problem(14, n=50, d=3)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    a = tref.logreg_sgd(Xt, yt, lr=0.5, epochs=3, batch_size=8, seed=3)
    b = tref.logreg_sgd(Xt, yt, lr=0.5, epochs=3, batch_size=8, seed=3)
    c = tref.logreg_sgd(Xt, yt, lr=0.5, epochs=3, batch_size=8, seed=4)
    assert torch.equal(a[0], b[0]) and a[1] == b[1] and not torch.equal(a[0], c[0])
    w32, b32 = tref.logreg_sgd(Xt.float(), yt, batch_size=8)
    assert w32.dtype == torch.float32 and isinstance(b32, float)
