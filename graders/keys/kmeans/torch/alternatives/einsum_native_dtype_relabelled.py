"""Correct, computed in X's own dtype (float32 stays float32 inside): distances with einsum, the
update by scatter_add_, empty clusters kept; k-means++ by inverse CDF (cumsum, a uniform variate,
searchsorted); clusters renumbered at the end in lexicographic order of their centroids."""

import torch


def _sq_dists(X, C):
    xx = torch.einsum("nd,nd->n", X, X)
    cc = torch.einsum("kd,kd->k", C, C)
    d2 = xx[:, None] + cc[None, :] - 2 * torch.einsum("nd,kd->nk", X, C)
    return d2.clamp(min=0)


def _plus_plus(X, k, g):
    n = X.shape[0]
    C = torch.empty((k, X.shape[1]), dtype=X.dtype)
    C[0] = X[torch.randint(n, (), generator=g)]
    closest = _sq_dists(X, C[:1])[:, 0].double()
    for j in range(1, k):
        cdf = torch.cumsum(closest, 0)
        if cdf[-1] <= 0:
            idx = int(torch.randint(n, (), generator=g))
        else:
            u = torch.rand((), dtype=torch.float64, generator=g) * cdf[-1]
            idx = min(int(torch.searchsorted(cdf, u, right=True)), n - 1)
        C[j] = X[idx]
        closest = torch.minimum(closest, _sq_dists(X, C[j:j + 1])[:, 0].double())
    return C


def _relabel(C, labels):
    """Clusters sorted by centroid, lexicographically (any numbering is legal)."""
    order = list(range(C.shape[0]))
    order.sort(key=lambda j: C[j].tolist())
    order = torch.tensor(order)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(len(order))
    return C[order], rank[labels]


def kmeans(X, k, num_iters=100, seed=0, init="k-means++"):
    if init not in {"random", "k-means++"}:
        raise ValueError(f"bad init {init!r}")
    n = X.shape[0]
    if k < 1 or k > n:
        raise ValueError(f"bad k={k} for N={n}")
    Xw = X.clone() if X.is_floating_point() else X.double()
    g = torch.Generator()
    g.manual_seed(seed)
    C = Xw[torch.randperm(n, generator=g)[:k]] if init == "random" else _plus_plus(Xw, k, g)

    labels = _sq_dists(Xw, C).argmin(dim=1)
    for _ in range(num_iters):
        sums = torch.zeros_like(C).scatter_add_(0, labels[:, None].expand(-1, Xw.shape[1]), Xw)
        counts = torch.zeros(k, dtype=Xw.dtype).scatter_add_(0, labels, torch.ones_like(labels, dtype=Xw.dtype))
        filled = counts > 0
        C = torch.where(filled[:, None], sums / counts.clamp(min=1)[:, None], C)
        new = _sq_dists(Xw, C).argmin(dim=1)
        if bool((new == labels).all()):
            break
        labels = new
    return _relabel(C, labels)
