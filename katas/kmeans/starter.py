import numpy as np


def kmeans(X, k, num_iters=100, seed=0, init="k-means++"):
    """Cluster the rows of X into k clusters with Lloyd's algorithm.

    X: (N, d) float array. Returns (centroids, labels):
      centroids (k, d), same float dtype as X (float32 in, float32 out);
      labels (N,) integers in [0, k), the cluster of each point (any numbering of the clusters).

    init: "k-means++" (first centroid a uniformly drawn data point, each next one a data point drawn
    with probability proportional to its squared distance to the nearest centroid so far; plain
    k-means++, not the greedy variant) or "random"; anything else raises ValueError.
    k < 1 or k > N raises ValueError.
    Stop after num_iters iterations or earlier at convergence; after convergence each label is
    its point's nearest centroid and each non-empty centroid is the mean of its points.
    Deterministic for a seed: use np.random.default_rng(seed), never the global random state
    (no np.random.seed / np.random.choice, no random module functions).
    An empty cluster is re-seeded or kept, never NaN; no RuntimeWarning. X is not modified.
    No (N, k, d) array: N=200,000, d=32, k=64 must fit in 1 GB.
    """
    raise NotImplementedError
