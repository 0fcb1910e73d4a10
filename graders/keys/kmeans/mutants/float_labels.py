"""Labels as floats equal to the cluster indices (an (N,) float64 array, e.g. from a distance matrix's
argmin stored into np.zeros(N)): the contract types labels int."""

import numpy as np

INITS = ("random", "k-means++")


def sq_dists(X, C):
    """Squared Euclidean distances (N, k) between rows of X (N, d) and rows of C (k, d)."""
    d2 = X @ C.T  # (N, k): x.c, the only O(N k d) work, done by one matmul
    d2 *= -2.0  # in place: N k can be large, so no extra (N, k) temporaries
    d2 += np.einsum("nd,nd->n", X, X)[:, None]  # + ||x||^2
    d2 += np.einsum("kd,kd->k", C, C)[None, :]  # + ||c||^2
    return np.maximum(d2, 0.0, out=d2)  # rounding can push a zero distance a hair below zero


def init_centroids(X, k, rng, init):
    """k initial centroids (k, d), rows of X. "random": k distinct points; "k-means++": the first
    point uniformly, each next one with probability proportional to D(x)^2, the squared distance
    from x to the nearest centroid chosen so far (Arthur & Vassilvitskii, 2007)."""
    N = X.shape[0]
    if init == "random":
        return X[rng.choice(N, size=k, replace=False)].copy()
    centroids = np.empty((k, X.shape[1]))
    centroids[0] = X[rng.integers(N)]
    closest = sq_dists(X, centroids[:1])[:, 0]  # (N,) D(x)^2
    for j in range(1, k):
        total = closest.sum()
        if total > 0:
            i = rng.choice(N, p=closest / total)
        else:  # every point sits on a chosen centroid (k > number of distinct points)
            i = rng.integers(N)
        centroids[j] = X[i]
        closest = np.minimum(closest, sq_dists(X, centroids[j:j + 1])[:, 0])
    return centroids


def assign(X, C):
    """Index of the nearest centroid for each point: (N,) ints."""
    return sq_dists(X, C).argmin(axis=1)


def update(X, labels, C):
    """New centroids (k, d): the mean of each cluster's points; an empty cluster is re-seeded."""
    k, d = C.shape
    counts = np.bincount(labels, minlength=k)  # (k,)
    sums = np.zeros((k, d))
    np.add.at(sums, labels, X)  # sums[j] = sum of the points labelled j
    new = C.copy()
    full = counts > 0
    new[full] = sums[full] / counts[full, None]
    empty = np.flatnonzero(~full)
    if empty.size:
        # Re-seed at the points worst served by their centroid: each then wins at least itself,
        # which strictly lowers the inertia. A point already on its centroid would win nothing.
        d2 = ((X - new[labels]) ** 2).sum(axis=1)  # (N,)
        far = np.argsort(-d2, kind="stable")[:empty.size]
        far = far[d2[far] > 0]
        new[empty[:far.size]] = X[far]
    return new


def kmeans(X, k, num_iters=100, seed=0, init="k-means++"):
    """Cluster the rows of X (N, d) into k clusters.

    Returns (centroids (k, d) in X's float dtype, labels (N,) ints in [0, k)). Deterministic for a
    seed. After convergence each label is its point's nearest centroid and each non-empty
    centroid is the mean of its points. Raises ValueError for k outside [1, N] or an unknown init.
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be (N, d), got shape {X.shape}")
    N = X.shape[0]
    if not 1 <= k <= N:
        raise ValueError(f"k must be in [1, N={N}], got {k}")
    out_dtype = X.dtype if X.dtype.kind == "f" else np.float64
    Xf = X.astype(np.float64)  # a copy: X itself is never touched

    rng = np.random.default_rng(seed)
    C, labels = lloyd(Xf, init_centroids(Xf, k, rng, init), num_iters)
    return C.astype(out_dtype), labels.astype(np.float64)


def lloyd(X, C, num_iters):
    """Lloyd's iterations from centroids C (k, d): update, re-assign, stop when no label changes.
    Returns (centroids (k, d), labels (N,)); the labels are always nearest to the centroids."""
    labels = assign(X, C)  # (N,)
    for _ in range(num_iters):
        C = update(X, labels, C)
        new_labels = assign(X, C)
        if np.array_equal(new_labels, labels):  # a fixed point: labels nearest, centroids means
            break
        labels = new_labels
    return C, labels
