"""Mutant: torch.bincount(labels) without minlength=k: fewer counts than clusters when the last clusters are empty."""

import torch

INITS = ("random", "k-means++")


def sq_dists(X, C):
    """Squared Euclidean distances (N, k) between rows of X (N, d) and rows of C (k, d)."""
    d2 = X @ C.T  # (N, k): x.c, the only O(N k d) work, done by one matmul
    d2.mul_(-2.0)  # in place on our own (N, k) tensor: no extra temporaries
    d2.add_((X * X).sum(dim=1, keepdim=True))  # + ||x||^2, (N, 1)
    d2.add_((C * C).sum(dim=1))  # + ||c||^2, (k,)
    return d2.clamp_(min=0.0)  # rounding can push a zero distance a hair below zero


def init_centroids(X, k, generator, init):
    """k initial centroids (k, d), rows of X. "random": k distinct points; "k-means++": the first
    point uniformly, each next one with probability proportional to D(x)^2, the squared distance
    from x to the nearest centroid chosen so far (Arthur & Vassilvitskii, 2007)."""
    N = X.shape[0]
    if init == "random":
        return X[torch.randperm(N, generator=generator)[:k]]  # indexing copies
    centroids = X.new_empty((k, X.shape[1]))
    centroids[0] = X[int(torch.randint(N, (1,), generator=generator))]
    closest = sq_dists(X, centroids[:1])[:, 0]  # (N,) D(x)^2
    for j in range(1, k):
        total = closest.sum()
        if total > 0:
            i = int(torch.multinomial(closest / total, 1, generator=generator))
        else:  # every point sits on a chosen centroid (k > number of distinct points)
            i = int(torch.randint(N, (1,), generator=generator))
        centroids[j] = X[i]
        closest = torch.minimum(closest, sq_dists(X, centroids[j:j + 1])[:, 0])
    return centroids


def assign(X, C):
    """Index of the nearest centroid for each point: (N,) int64."""
    return sq_dists(X, C).argmin(dim=1)


def update(X, labels, C):
    """New centroids (k, d): the mean of each cluster's points; an empty cluster is re-seeded."""
    k = C.shape[0]
    counts = torch.bincount(labels)  # (k,)
    sums = torch.zeros_like(C).index_add_(0, labels, X)  # sums[j] = sum of the points labelled j
    new = C.clone()
    full = counts > 0
    new[full] = sums[full] / counts[full, None]
    empty = torch.nonzero(~full).squeeze(1)
    if empty.numel():
        # Re-seed at the points worst served by their centroid: each then wins at least itself,
        # which strictly lowers the inertia. A point already on its centroid would win nothing.
        d2 = ((X - new[labels]) ** 2).sum(dim=1)  # (N,)
        far = torch.argsort(d2, descending=True, stable=True)[:empty.numel()]
        far = far[d2[far] > 0]
        new[empty[:far.numel()]] = X[far]
    return new


def kmeans(X, k, num_iters=100, seed=0, init="k-means++"):
    """Cluster the rows of X (N, d) into k clusters.

    Returns (centroids (k, d) in X's float dtype, labels (N,) int64 in [0, k)). Deterministic for a
    seed. After convergence each label is its point's nearest centroid and each non-empty
    centroid is the mean of its points. Raises ValueError for k outside [1, N] or an unknown init.
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    if X.dim() != 2:
        raise ValueError(f"X must be (N, d), got shape {tuple(X.shape)}")
    N = X.shape[0]
    if not 1 <= k <= N:
        raise ValueError(f"k must be in [1, N={N}], got {k}")
    out_dtype = X.dtype if X.is_floating_point() else torch.float64
    Xf = X.to(torch.float64, copy=True)  # a copy even when X is float64: X itself is never touched

    generator = torch.Generator().manual_seed(seed)
    C, labels = lloyd(Xf, init_centroids(Xf, k, generator, init), num_iters)
    return C.to(out_dtype), labels


def lloyd(X, C, num_iters):
    """Lloyd's iterations from centroids C (k, d): update, re-assign, stop when no label changes.
    Returns (centroids (k, d), labels (N,)); the labels are always nearest to the centroids."""
    labels = assign(X, C)  # (N,)
    for _ in range(num_iters):
        C = update(X, labels, C)
        new_labels = assign(X, C)
        if torch.equal(new_labels, labels):  # a fixed point: labels nearest, centroids means
            break
        labels = new_labels
    return C, labels
