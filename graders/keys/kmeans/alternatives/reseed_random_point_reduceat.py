"""Correct, another policy: empty clusters re-seeded at a random data point far from its
centroid (drawn from the seeded generator); k-means++ keeps the potential (the D(x)^2 of every
point) and draws each next centroid from it with rng.choice; the random init draws centroids
uniformly with replacement from the data; centroid update by sorting and np.add.reduceat; float64
inside."""

import numpy as np


def nearest(X, C):
    d2 = -2.0 * (X @ C.T)
    d2 += (C * C).sum(1)
    labels = d2.argmin(1)
    best = d2[np.arange(len(X)), labels] + (X * X).sum(1)
    return labels, np.maximum(best, 0.0)


def init_centroids(X, k, rng, init="random"):
    n = len(X)
    if init == "random":
        return X[rng.integers(0, n, size=k)].copy()
    C = [X[rng.integers(n)]]
    _, pot = nearest(X, np.array(C))
    for _ in range(1, k):
        if pot.sum() <= 0:
            C.append(X[rng.integers(n)])
            continue
        c = rng.choice(n, p=pot / pot.sum())
        C.append(X[c])
        pot = np.minimum(pot, ((X - X[c]) ** 2).sum(1))
    return np.array(C)


def cluster_means(X, labels, C, rng):
    k = len(C)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    present = np.unique(sorted_labels)
    starts = np.searchsorted(sorted_labels, present)
    sums = np.add.reduceat(X[order], starts, axis=0)
    counts = np.diff(np.append(starts, len(X)))
    C = C.copy()
    C[present] = sums / counts[:, None]
    missing = np.setdiff1d(np.arange(k), present)
    if missing.size:
        err = ((X - C[labels]) ** 2).sum(1)
        candidates = np.flatnonzero(err > 0)
        for j in missing:
            if candidates.size == 0:
                break
            pick = rng.choice(candidates)
            C[j] = X[pick]
            candidates = candidates[candidates != pick]
    return C


def kmeans(X, k, num_iters=100, seed=0, init="k-means++"):
    if init not in ("random", "k-means++"):
        raise ValueError("init must be 'random' or 'k-means++', not %r" % (init,))
    if k < 1 or k > len(X):
        raise ValueError("k out of range")
    X64 = np.array(X, dtype=np.float64)
    rng = np.random.default_rng(seed)
    C = init_centroids(X64, k, rng, init=init)
    labels, _ = nearest(X64, C)
    for _ in range(num_iters):
        C = cluster_means(X64, labels, C, rng)
        new_labels, _ = nearest(X64, C)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    return C.astype(X.dtype), labels.astype(np.int32)
