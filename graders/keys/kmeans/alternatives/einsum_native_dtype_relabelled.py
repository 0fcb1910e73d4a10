"""Correct, computed in the input's own dtype (float32 stays float32 inside), distances with
einsum, centroid update as a one-hot matmul, empty clusters kept; clusters renumbered at the end
in lexicographic order of their centroids (any numbering is legal). k-means++ draws by inverse
CDF with a uniform variate."""

import numpy as np


def _sq_dists(X, C):
    xx = np.einsum("nd,nd->n", X, X)
    cc = np.einsum("kd,kd->k", C, C)
    d2 = xx[:, None] + cc[None, :] - 2 * np.einsum("nd,kd->nk", X, C)
    np.clip(d2, 0, None, out=d2)
    return d2


def _plus_plus(X, k, rng):
    n = len(X)
    C = np.empty((k, X.shape[1]), dtype=X.dtype)
    C[0] = X[rng.integers(n)]
    closest = _sq_dists(X, C[:1])[:, 0].astype(np.float64)
    for j in range(1, k):
        cdf = np.cumsum(closest)
        if cdf[-1] <= 0:
            idx = rng.integers(n)
        else:
            idx = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
            idx = min(idx, n - 1)
        C[j] = X[idx]
        np.minimum(closest, _sq_dists(X, C[j:j + 1])[:, 0], out=closest)
    return C


def kmeans(X, k, num_iters=100, seed=0, init="k-means++"):
    if init not in {"random", "k-means++"}:
        raise ValueError(f"bad init {init!r}")
    n = X.shape[0]
    if k < 1 or k > n:
        raise ValueError(f"bad k={k} for N={n}")
    dtype = X.dtype if X.dtype.kind == "f" else np.float64
    Xw = X.astype(dtype, copy=True)
    rng = np.random.default_rng(seed)
    C = Xw[rng.choice(n, k, replace=False)] if init == "random" else _plus_plus(Xw, k, rng)

    labels = _sq_dists(Xw, C).argmin(axis=1)
    for _ in range(num_iters):
        onehot = np.zeros((n, k), dtype=dtype)
        onehot[np.arange(n), labels] = 1
        counts = onehot.sum(axis=0)
        sums = onehot.T @ Xw
        filled = counts > 0
        C = C.copy()
        C[filled] = sums[filled] / counts[filled, None]
        new = _sq_dists(Xw, C).argmin(axis=1)
        if np.array_equal(new, labels):
            break
        labels = new

    order = np.lexsort(C.T[::-1])  # clusters sorted by centroid
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return C[order], rank[labels]
