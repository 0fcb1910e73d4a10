"""Correct, float64 inside: distances by torch.addmm (-2 X C^T + ||c||^2 in one call, + ||x||^2), the
update as a one-hot matmul onehot^T X / counts, an empty cluster re-seeded at the point farthest from
its centroid; labels renumbered by first appearance. Python's random.Random(seed) draws every choice
(a generator of its own: the global random state is never touched)."""

import random

import torch


def _sq_dists(X, C):
    d2 = torch.addmm((C * C).sum(1).expand(X.shape[0], -1), X, C.T, beta=1.0, alpha=-2.0)  # (N, k)
    return (d2 + (X * X).sum(1, keepdim=True)).clamp_(min=0.0)


def _plus_plus(X, k, rnd):
    n = X.shape[0]
    chosen = [rnd.randrange(n)]
    closest = _sq_dists(X, X[chosen])[:, 0]  # (N,)
    for _ in range(1, k):
        weights = closest.tolist()
        if sum(weights) > 0:
            chosen.append(rnd.choices(range(n), weights=weights)[0])
        else:
            chosen.append(rnd.randrange(n))
        closest = torch.minimum(closest, _sq_dists(X, X[chosen[-1:]])[:, 0])
    return X[chosen]


def _first_appearance(labels, k):
    """Renumber clusters in order of first appearance among the points; unused ids come last."""
    seen = list(dict.fromkeys(labels.tolist()))
    order = seen + [j for j in range(k) if j not in set(seen)]
    new_id = torch.empty(k, dtype=torch.int64)
    new_id[torch.tensor(order)] = torch.arange(k)
    return torch.tensor(order), new_id


def kmeans(X, k, num_iters=100, seed=0, init="k-means++"):
    if init not in ("random", "k-means++"):
        raise ValueError(f"unknown init {init!r}")
    n = X.shape[0]
    if k < 1 or k > n:
        raise ValueError(f"k={k} must be in [1, {n}]")
    rnd = random.Random(seed)
    X64 = X.double().clone()
    C = X64[rnd.sample(range(n), k)] if init == "random" else _plus_plus(X64, k, rnd)

    labels = _sq_dists(X64, C).argmin(1)
    for _ in range(num_iters):
        onehot = torch.nn.functional.one_hot(labels, k).to(torch.float64)  # (N, k)
        counts = onehot.sum(0)  # (k,)
        C = torch.where(counts[:, None] > 0, onehot.T @ X64 / counts.clamp(min=1)[:, None], C)
        empty = (counts == 0).nonzero().flatten().tolist()
        if empty:
            d2 = ((X64 - C[labels]) ** 2).sum(1)
            for j, i in zip(empty, d2.argsort(descending=True).tolist()):
                if d2[i] > 0:
                    C[j] = X64[i]
        new = _sq_dists(X64, C).argmin(1)
        if (new == labels).all():
            break
        labels = new
    order, new_id = _first_appearance(labels, k)
    return C[order].to(X.dtype if X.is_floating_point() else torch.float64), new_id[labels]
