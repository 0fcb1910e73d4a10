"""Hidden tests of the kmeans kata.

The contract leaves free which initial centroids are chosen, how the RNG is used, whether an empty
cluster is re-seeded or kept, and which label number each cluster gets. So clusterings are
compared up to a permutation of the labels, and otherwise only what the contract promises is
checked: the fixed point at convergence (each label the nearest centroid, each non-empty centroid
the mean of its points), the true clustering on blobs so well separated that k-means++ finds them
with any seed, no NaN, dtypes, errors, determinism, inputs untouched, and memory.
"""

import numpy as np
import pytest

from graders.check import as_array, assert_close, assert_dtype, assert_finite, assert_shape, assert_unchanged

# -- data -------------------------------------------------------------------------------------------

BLOB_CENTERS = 100.0 * np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]])  # (5, 3)
BLOB_SIZES = (30, 45, 25, 60, 40)


def blobs(offset=0.0, spread=0.01, seed=0):
    """Five tight blobs 100 apart, sorted by blob: X (200, 3) float64 and the true labels (200,).
    Within-blob squared distances are ~1e-8 of the between-blob ones, so k-means++ puts one
    centroid in each blob with any seed (the chance of two in one blob is ~1e-7 per draw)."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(5), BLOB_SIZES)
    X = offset + BLOB_CENTERS[truth] + spread * rng.standard_normal((truth.size, 3))
    return X, truth


def overlapping(n=300, d=4, seed=0):
    """Unstructured data (n, d) float64: four overlapping Gaussians, many local optima."""
    rng = np.random.default_rng(seed)
    centers = 2.0 * rng.standard_normal((4, d))
    return centers[rng.integers(4, size=n)] + rng.standard_normal((n, d))


def duplicates():
    """Three distinct integer-valued points repeated 20 times each, shuffled: (60, 2) float64."""
    points = np.array([[0.0, 0.0], [5.0, 1.0], [-3.0, 4.0]])
    return points[np.random.default_rng(3).permutation(np.repeat(np.arange(3), 20))]


# -- checks -----------------------------------------------------------------------------------------


def run(solution, X, k, case, **kwargs):
    """Call kmeans and check the form of the result: (centroids (k, d) finite, labels (N,) in [0, k))."""
    out = solution.kmeans(X, k, **kwargs)
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise AssertionError(f"returned {type(out).__name__} for {case}; expected a (centroids, labels) tuple")
    centroids = assert_shape(out[0], (k, X.shape[1]), f"the centroids for {case}")
    assert_finite(centroids, f"the centroids for {case}")
    labels = assert_shape(as_array(out[1], f"the labels for {case}"), (X.shape[0],), f"the labels for {case}")
    if labels.dtype.kind not in "iuf" or (labels.dtype.kind == "f" and not np.all(labels == np.round(labels))):
        raise AssertionError(f"labels of dtype {labels.dtype} for {case}; expected integer cluster indices")
    labels = labels.astype(np.int64)
    bad = (labels < 0) | (labels >= k)
    if bad.any():
        raise AssertionError(f"label {labels[bad][0]} at [{np.flatnonzero(bad)[0]}] for {case}; expected labels in [0, {k})")
    return centroids, labels


def sq_dists(X, C):
    """Exact-as-possible squared distances (N, k), by differences (small inputs only)."""
    return ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=-1)


def assert_fixed_point(X, centroids, labels, case, rtol=1e-12):
    """At convergence: every label is a nearest centroid (ties allowed, up to the rounding of
    ||x||^2 - 2 x.c + ||c||^2), and every non-empty centroid is the mean of its points."""
    X, C = X.astype(np.float64), centroids.astype(np.float64)
    d2 = sq_dists(X, C)  # (N, k)
    mine, best = d2[np.arange(len(X)), labels], d2.min(axis=1)
    slack = rtol * ((X * X).sum(axis=1) + (C * C).sum(axis=1).max()) + 1e-300
    far = mine > best + slack
    if far.any():
        i = np.flatnonzero(far)[0]
        raise AssertionError(
            f"point {i} is labelled {labels[i]} at squared distance {mine[i]:.6g}, but centroid "
            f"{d2[i].argmin()} is at {best[i]:.6g} for {case} ({int(far.sum())} of {len(X)} points not "
            f"labelled with their nearest centroid: stale labels, or stopped before convergence?)")
    used = np.unique(labels)  # the non-empty clusters
    means = np.stack([X[labels == j].mean(axis=0) for j in used])  # (len(used), d)
    assert_close(C[used], means, f"the non-empty centroids vs the means of their points for {case} "
                 f"(rows are clusters {used.tolist()})", rtol=max(rtol, 1e-9),
                 atol=max(rtol, 1e-9) * np.abs(X).max())


def true_cluster_of(labels, truth, case):
    """Check labels partition the points exactly as truth does (up to renumbering); returns
    perm with perm[t] = the solution's label of true cluster t."""
    perm = {}
    for t in np.unique(truth):
        got, counts = np.unique(labels[truth == t], return_counts=True)
        if got.size != 1:
            raise AssertionError(f"true cluster {t} ({counts.sum()} points) is split over labels {got.tolist()} "
                                 f"with {counts.tolist()} points for {case}; expected one cluster per blob")
        perm[int(t)] = int(got[0])
    merged = [lab for lab in set(perm.values()) if list(perm.values()).count(lab) > 1]
    if merged:
        ts = [t for t, lab in perm.items() if lab == merged[0]]
        raise AssertionError(f"true clusters {ts} are merged into label {merged[0]} for {case}; expected one "
                             "cluster per blob")
    return np.array([perm[t] for t in sorted(perm)])


def blob_means(X, truth):
    return np.stack([X[truth == t].astype(np.float64).mean(axis=0) for t in np.unique(truth)])


# -- tests ------------------------------------------------------------------------------------------


@pytest.mark.category("correctness")
def test_well_separated_blobs_are_found_by_kmeanspp(solution):
    X, truth = blobs()
    for seed in (0, 1, 7, 2024):
        case = f"five well-separated blobs (200, 3), k=5, k-means++, seed={seed}"
        centroids, labels = run(solution, X, 5, case, seed=seed)
        perm = true_cluster_of(labels, truth, case)
        assert_close(centroids[perm], blob_means(X, truth), f"the centroids for {case}", rtol=1e-9, atol=1e-9)


@pytest.mark.category("correctness")
def test_fixed_point_at_convergence_kmeanspp(solution):
    for seed in (0, 1):
        X = overlapping(seed=seed)
        case = f"overlapping Gaussians (300, 4), k=6, k-means++, seed={seed}, num_iters=300"
        centroids, labels = run(solution, X, 6, case, num_iters=300, seed=seed)
        assert_fixed_point(X, centroids, labels, case)


@pytest.mark.category("correctness")
def test_fixed_point_at_convergence_random_init(solution):
    for seed in (0, 5):
        X = overlapping(n=250, d=3, seed=seed + 10)
        case = f"overlapping Gaussians (250, 3), k=7, init='random', seed={seed}, num_iters=300"
        centroids, labels = run(solution, X, 7, case, num_iters=300, seed=seed, init="random")
        assert_fixed_point(X, centroids, labels, case)


@pytest.mark.category("numerical-stability")
def test_blobs_far_from_the_origin(solution):
    X, truth = blobs(offset=1e5)
    case = "five well-separated blobs offset by 1e5 (spread 0.01), k=5, k-means++"
    centroids, labels = run(solution, X, 5, case)
    perm = true_cluster_of(labels, truth, case)
    assert_close(centroids[perm], blob_means(X, truth), f"the centroids for {case}", rtol=0, atol=1e-7)


@pytest.mark.category("shapes")
def test_shapes_for_small_and_degenerate_sizes(solution):
    rng = np.random.default_rng(4)
    for n, d, k in ((1, 3, 1), (9, 1, 3), (12, 6, 2), (40, 2, 11)):
        X = rng.standard_normal((n, d))
        for init in ("k-means++", "random"):
            case = f"X ({n}, {d}), k={k}, init={init!r}"
            centroids, labels = run(solution, X, k, case, init=init)
            assert_fixed_point(X, centroids, labels, case)


@pytest.mark.category("edge-case")
def test_k_equal_to_one_gives_the_mean(solution):
    X = overlapping(n=50, d=3, seed=2)
    case = "overlapping Gaussians (50, 3), k=1"
    centroids, labels = run(solution, X, 1, case)
    assert_close(centroids, X.mean(axis=0, keepdims=True), f"the centroid for {case}", rtol=1e-12, atol=1e-12)
    if not (labels == 0).all():
        raise AssertionError(f"labels {np.unique(labels).tolist()} for {case}; expected all 0")


@pytest.mark.category("edge-case")
def test_k_equal_to_n_puts_each_point_in_its_own_cluster(solution):
    X = np.random.default_rng(5).standard_normal((12, 3))
    case = "12 distinct points, k=12, k-means++"
    centroids, labels = run(solution, X, 12, case)
    if np.unique(labels).size != 12:
        raise AssertionError(
            f"{np.unique(labels).size} distinct labels for {case}; expected every point in its own cluster "
            "(k-means++ never picks a point twice while another has a positive distance)")
    assert_close(centroids[labels], X, f"each point's centroid for {case}", rtol=1e-12, atol=1e-12)


@pytest.mark.category("edge-case")
def test_more_clusters_than_distinct_points_kmeanspp(solution):
    """k-means++ covers every distinct point first, then every D(x)^2 is 0: no 0/0, no NaN."""
    cases = ((duplicates(), 5, "3 distinct points x 20 copies, k=5"),
             (np.tile([[2.0, -1.0, 0.5]], (30, 1)), 4, "30 identical points, k=4"))
    for X, k, name in cases:
        for seed in (0, 1):
            case = f"{name}, k-means++, seed={seed}"
            centroids, labels = run(solution, X, k, case, seed=seed)
            assert_close(centroids[labels], X, f"each point's centroid for {case} (every point should sit on "
                         "its centroid)", rtol=1e-12, atol=1e-12)
            assert_fixed_point(X, centroids, labels, case)


@pytest.mark.category("edge-case")
def test_empty_clusters_from_random_init_stay_finite(solution):
    """Random centroids drawn from heavily duplicated points coincide: some clusters are empty."""
    X = duplicates()
    for seed in (0, 1, 2):
        case = f"3 distinct points x 20 copies, k=5, init='random', seed={seed}"
        centroids, labels = run(solution, X, 5, case, seed=seed, init="random")
        assert_fixed_point(X, centroids, labels, case)


@pytest.mark.category("dtype")
def test_centroids_keep_the_dtype_of_x(solution):
    X, truth = blobs()
    case = "five well-separated float32 blobs, k=5"
    centroids, labels = run(solution, X.astype(np.float32), 5, case)
    assert_dtype(centroids, np.float32, f"the centroids for {case}")
    perm = true_cluster_of(labels, truth, case)
    expected = blob_means(X.astype(np.float32), truth)
    assert_close(centroids[perm], expected, f"the centroids for {case}", rtol=1e-5, atol=1e-6 * np.abs(X).max())
    centroids, _ = run(solution, X, 5, "five float64 blobs, k=5")
    assert_dtype(centroids, np.float64, "the centroids for five float64 blobs, k=5")


@pytest.mark.category("errors")
def test_k_below_one_raises(solution):
    X = overlapping(n=20, d=2)
    for k in (0, -1):
        with pytest.raises(ValueError):
            solution.kmeans(X, k)
            raise AssertionError(f"no ValueError for k={k} with X (20, 2)")


@pytest.mark.category("errors")
def test_k_above_n_raises(solution):
    X = overlapping(n=20, d=2)
    for init in ("k-means++", "random"):
        with pytest.raises(ValueError):
            solution.kmeans(X, 21, init=init)
            raise AssertionError(f"no ValueError for k=21 > N=20 with init={init!r}")


@pytest.mark.category("errors")
def test_unknown_init_raises(solution):
    X = overlapping(n=20, d=2)
    for init in ("kmeans++", "farthest", ""):
        with pytest.raises(ValueError):
            solution.kmeans(X, 3, init=init)
            raise AssertionError(f"no ValueError for init={init!r}")


@pytest.mark.category("determinism")
def test_same_seed_gives_identical_results(solution):
    X = overlapping(n=200, d=2, seed=6)
    for kwargs in ({"num_iters": 1}, {"num_iters": 1, "init": "random"}, {"seed": 3}, {"seed": 3, "init": "random"}):
        case = f"overlapping Gaussians (200, 2), k=6, {kwargs}, called twice"
        c1, l1 = run(solution, X, 6, case, **kwargs)
        c2, l2 = run(solution, X, 6, case, **kwargs)
        if not (np.array_equal(c1, c2) and np.array_equal(l1, l2)):
            raise AssertionError(
                f"two calls with the same arguments gave different results for {case}: "
                f"{int((l1 != l2).sum())} of {len(l1)} labels differ, centroids differ by up to "
                f"{np.abs(c1.astype(float) - c2.astype(float)).max():.3g} (seed your own np.random.default_rng(seed))")


@pytest.mark.category("side-effects")
def test_x_is_not_modified(solution):
    for dtype in (np.float64, np.float32):
        X = overlapping(n=100, d=3, seed=7).astype(dtype)
        for init in ("k-means++", "random"):
            case = f"overlapping Gaussians (100, 3) {np.dtype(dtype)}, k=4, init={init!r}"
            _, args_after, _ = solution.kmeans.with_inputs(X, 4, init=init)
            assert_unchanged(args_after[0], X, "X", case)


@pytest.mark.category("memory")
def test_large_input_without_an_n_k_d_array(solution):
    X = np.random.default_rng(8).standard_normal((200_000, 32), dtype=np.float32)  # 25.6 MB
    case = "X (200000, 32) float32, k=64, init='random', num_iters=1 (an (N, k, d) array would be 1.6 GB)"
    centroids, _ = run(solution, X, 64, case, num_iters=1, init="random")
    assert_dtype(centroids, np.float32, f"the centroids for {case}")
