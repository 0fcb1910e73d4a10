"""Correct, explicit loops over clusters (no (N, k) expansion): distances by differences, one
cluster at a time; an empty cluster keeps its centroid; float64 inside."""

import numpy as np


def _nearest(X, C):
    """labels (N,) and squared distance to the nearest centroid (N,), looping over the k centroids."""
    best = np.full(X.shape[0], np.inf)
    labels = np.zeros(X.shape[0], dtype=np.int64)
    for j in range(C.shape[0]):
        diff = X - C[j]  # (N, d)
        d2 = np.einsum("nd,nd->n", diff, diff)
        closer = d2 < best
        best[closer] = d2[closer]
        labels[closer] = j
    return labels, best


def kmeans(X, k, num_iters=100, seed=0, init="k-means++"):
    if init != "random" and init != "k-means++":
        raise ValueError("init must be 'random' or 'k-means++'")
    n, d = X.shape
    if not (1 <= k <= n):
        raise ValueError("need 1 <= k <= N")
    rng = np.random.default_rng(seed)
    data = np.array(X, dtype=np.float64)

    if init == "random":
        C = data[rng.permutation(n)[:k]]
    else:
        C = np.zeros((k, d))
        C[0] = data[rng.integers(n)]
        for j in range(1, k):
            _, d2 = _nearest(data, C[:j])
            if d2.sum() == 0:
                C[j] = data[rng.integers(n)]
            else:
                C[j] = data[rng.choice(n, p=d2 / d2.sum())]

    labels, _ = _nearest(data, C)
    for _ in range(num_iters):
        for j in range(k):
            mask = labels == j
            if mask.any():
                C[j] = data[mask].sum(axis=0) / mask.sum()
        new_labels, _ = _nearest(data, C)
        if (new_labels == labels).all():
            break
        labels = new_labels
    return C.astype(X.dtype), labels
