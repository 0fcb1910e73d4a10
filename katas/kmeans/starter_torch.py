import torch


def kmeans(X, k, num_iters=100, seed=0, init="k-means++"):
    """Cluster the rows of X into k clusters with Lloyd's algorithm.

    X: (N, d) float tensor on the CPU. Returns (centroids, labels):
      centroids (k, d) tensor, same float dtype as X (float32 in, float32 out);
      labels (N,) int64 tensor with values in [0, k), the cluster of each point (any numbering).

    init: "k-means++" (first centroid a uniformly drawn data point, each next one a data point drawn
    with probability proportional to its squared distance to the nearest centroid so far; plain
    k-means++, not the greedy variant) or "random"; anything else raises ValueError.
    k < 1 or k > N raises ValueError.
    Stop after num_iters iterations or earlier at convergence; after convergence each label is
    its point's nearest centroid and each non-empty centroid is the mean of its points.
    seed: an int. Deterministic for a seed: draw from your own torch.Generator().manual_seed(seed)
    (generator=...), never torch's global generator (no torch.manual_seed, no draw without generator=).
    An empty cluster is re-seeded or kept, never NaN. X is not modified (no in-place op on it).
    No (N, k, d) tensor: N=200,000, d=32, k=64 must fit in 1 GB. torch.cdist is not allowed.
    """
    raise NotImplementedError
