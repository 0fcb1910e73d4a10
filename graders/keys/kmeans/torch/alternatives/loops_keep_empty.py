"""Correct, explicit loops over clusters (no (N, k) matrix): distances one centroid at a time, by a
matrix-vector product; each mean by masking; an empty cluster keeps its centroid; float64 inside; random init by
multinomial over equal weights without replacement; labels built in a preallocated int64 tensor."""

import torch


def _nearest(X, C):
    """labels (N,) and squared distance to the nearest centroid (N,), looping over the centroids."""
    best = torch.full((X.shape[0],), float("inf"), dtype=X.dtype)
    labels = torch.zeros(X.shape[0], dtype=torch.int64)
    xx = (X * X).sum(dim=1)
    for j in range(C.shape[0]):
        d2 = (xx - 2 * (X @ C[j]) + C[j] @ C[j]).clamp(min=0)
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
    gen = torch.Generator().manual_seed(seed)
    data = X.to(torch.float64)                  # may be X itself: only read, never written

    if init == "random":
        C = data[torch.multinomial(torch.ones(n), k, replacement=False, generator=gen)]
    else:
        C = torch.zeros(k, d, dtype=torch.float64)
        C[0] = data[torch.randint(0, n, (1,), generator=gen).item()]
        for j in range(1, k):
            _, d2 = _nearest(data, C[:j])
            if d2.sum() == 0:
                C[j] = data[torch.randint(0, n, (1,), generator=gen).item()]
            else:
                C[j] = data[torch.multinomial(d2, 1, generator=gen).item()]

    labels, _ = _nearest(data, C)
    for _ in range(num_iters):
        for j in range(k):
            mask = labels == j
            if mask.any():
                C[j] = data[mask].sum(dim=0) / mask.sum()
        new_labels, _ = _nearest(data, C)
        if torch.equal(new_labels, labels):
            break
        labels = new_labels
    return C.to(X.dtype), labels
