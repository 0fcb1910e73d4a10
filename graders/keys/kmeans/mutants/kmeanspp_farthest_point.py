"""k-means++ takes the point farthest from the chosen centroids (argmax of D(x)^2) instead of drawing it
with probability proportional to D(x)^2: only the first centroid is random."""

import numpy as np


def pairwise_sq_dists(X, C):
    """(N, k) squared distances via ||x||^2 - 2 x.c + ||c||^2."""
    d2 = (X ** 2).sum(axis=1)[:, None] - 2 * X @ C.T + (C ** 2).sum(axis=1)[None, :]
    return np.maximum(d2, 0.0)


def kmeans_pp(X, k, rng):
    n = X.shape[0]
    centroids = [X[rng.integers(n)]]
    d2 = pairwise_sq_dists(X, centroids[0][None, :])[:, 0]
    for _ in range(1, k):
        total = d2.sum()
        if total > 0:
            i = int(np.argmax(d2))  # the point worst served so far
        else:
            i = rng.integers(n)
        centroids.append(X[i])
        d2 = np.minimum(d2, pairwise_sq_dists(X, X[i][None, :])[:, 0])
    return np.array(centroids)


def kmeans(X, k, num_iters=100, seed=0, init="k-means++"):
    if init not in ("random", "k-means++"):
        raise ValueError(f"unknown init {init!r}")
    n = X.shape[0]
    if k < 1 or k > n:
        raise ValueError(f"k must be in [1, {n}], got {k}")
    rng = np.random.default_rng(seed)
    Xf = X.astype(np.float64)
    if init == "random":
        C = Xf[rng.choice(n, size=k, replace=False)].copy()
    else:
        C = kmeans_pp(Xf, k, rng)

    labels = None
    for _ in range(num_iters):
        new_labels = pairwise_sq_dists(Xf, C).argmin(axis=1)
        if labels is not None and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        for j in range(k):
            members = Xf[labels == j]
            if len(members) > 0:  # keep an empty cluster's centroid where it is
                C[j] = members.mean(axis=0)
    labels = pairwise_sq_dists(Xf, C).argmin(axis=1)
    return C.astype(X.dtype), labels
