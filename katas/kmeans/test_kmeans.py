"""Hidden tests of the kmeans kata.

The contract leaves free how the RNG is consumed (which points a given seed draws), the random
init, whether an empty cluster is re-seeded or kept, and which label number each cluster gets. So
clusterings are compared up to a permutation of the labels, and otherwise only what the contract
promises is checked: the fixed point at convergence (each label the nearest centroid, each
non-empty centroid the mean of its points), the true clustering on blobs so well separated that
k-means++ finds them with any seed, the law of the k-means++ draws (first point uniform, then
proportional to D(x)^2: a statistical test over seeds), num_iters as a bound on the updates, no
NaN, dtypes, errors, determinism (and no global random state), inputs untouched, and memory.

Each test fails only for what its category names: the dtype test looks at the centroids' dtype (and
says whether the clustering is wrong too), the side-effects test only at X, the determinism tests
at repeatability and the global random state, the memory test at the memory used; they run on
integer-valued data, where ||x||^2 - 2 x.c + ||c||^2 is exact at the data points (no distance
rounded below 0 to trip over). A warning or exception with a classic cause (an empty cluster's
mean, k-means++ dividing by a zero sum, the sqrt of a distance rounded below 0) is reported with
that cause.

The same tests grade the PyTorch attempt (katas/kmeans/prompt_torch.md): its seed feeds a
torch.Generator, which draws other points than NumPy's, and nothing here depends on which points a
seed draws; the global random state it must not touch includes torch's default generator.
"""


import numpy as np
import pytest

from graders.check import as_array, assert_close, assert_finite, assert_shape, assert_unchanged, classic_causes
from graders.keys.kmeans import reference as ref

# -- the classic causes of what a solution may raise -------------------------------------------------

SQRT = ("invalid value encountered in sqrt",
        "the sqrt of a squared distance that rounding pushed below 0 (for a point on or next to a centroid, "
        "||x||^2 - 2 x.c + ||c||^2 is not exactly 0): clamp it at 0, or compare squared distances (argmin is the same)")
NEGATIVE_P = ("non-negative",
              "a squared distance that rounding pushed slightly below 0, passed to rng.choice as a probability: clamp "
              "||x||^2 - 2 x.c + ||c||^2 at 0 before using it as a k-means++ weight")
EMPTY = ("Mean of empty slice",
         "an empty cluster: the mean of no points is 0/0; re-seed its centroid or keep it where it was")
ZERO_DIV = ("0/0: an empty cluster's mean (a sum over no points divided by a count of 0: re-seed or keep its "
            "centroid), or k-means++ dividing by a sum of D(x)^2 that is 0 (every point on a chosen centroid: draw "
            "uniformly then)")
CAUSES = (SQRT, NEGATIVE_P, EMPTY, ("invalid value", ZERO_DIV), ("divide by zero", ZERO_DIV))
OWN_GENERATOR = ("a generator of your own seeded with `seed` (np.random.default_rng(seed); in PyTorch "
                 "torch.Generator().manual_seed(seed), passed as generator= to every draw)")


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


def integer_blobs(seed=0):
    """Five blobs 1000 apart of integer-valued points (offsets in {-1, 0, 1}^3), sorted by blob:
    X (200, 3) float64 and the true labels. Every coordinate, product and squared norm is an
    integer below 2^24, exact in float32 and float64 alike."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(5), BLOB_SIZES)
    return 10.0 * BLOB_CENTERS[truth] + rng.integers(-1, 2, (truth.size, 3)), truth


def integer_points(n, d, seed, span=20):
    """n distinct integer-valued points (n, d) float64, coordinates in [-span/2, span/2): exact
    arithmetic at the data points, and no duplicates (so random initial centroids are distinct)."""
    rng = np.random.default_rng(seed)
    flat = rng.choice(span ** d, size=n, replace=False)
    return np.stack(np.unravel_index(flat, (span,) * d), axis=1).astype(np.float64) - span // 2


def duplicates():
    """Three distinct integer-valued points repeated 20 times each, shuffled: (60, 2) float64."""
    points = np.array([[0.0, 0.0], [5.0, 1.0], [-3.0, 4.0]])
    return points[np.random.default_rng(3).permutation(np.repeat(np.arange(3), 20))]


# -- checks -----------------------------------------------------------------------------------------


def call_kmeans(solution, X, k, case, causes=CAUSES, **kwargs):
    """kmeans(X, k, **kwargs) as the solution returned it, checked only to be a (centroids, labels) pair."""
    with classic_causes(*causes):
        out = solution.kmeans(X, k, **kwargs)
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise AssertionError(f"returned {type(out).__name__} for {case}; expected a (centroids, labels) tuple")
    return out


def run(solution, X, k, case, causes=CAUSES, **kwargs):
    """Call kmeans and check the form of the result: (centroids (k, d) finite, labels (N,) in [0, k))."""
    out = call_kmeans(solution, X, k, case, causes, **kwargs)
    centroids = assert_shape(out[0], (k, X.shape[1]), f"the centroids for {case}")
    assert_finite(centroids, f"the centroids for {case}")
    labels = assert_shape(as_array(out[1], f"the labels for {case}"), (X.shape[0],), f"the labels for {case}")
    if labels.dtype.kind not in "iu":
        raise AssertionError(f"labels of dtype {labels.dtype} for {case}; expected integer cluster indices (an int "
                             "array, e.g. from argmin: floats equal to them are not ints)")
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
def test_well_separated_blobs_are_found_by_kmeanspp(solution, seed):
    X, truth = blobs(seed=seed(0))
    for case_seed in (0, 1, 7, 2024):
        case = f"five well-separated blobs (200, 3), k=5, k-means++, seed={seed(case_seed)}"
        centroids, labels = run(solution, X, 5, case, seed=seed(case_seed))
        perm = true_cluster_of(labels, truth, case)
        assert_close(centroids[perm], blob_means(X, truth), f"the centroids for {case}", rtol=1e-9, atol=1e-9)


@pytest.mark.category("correctness")
def test_fixed_point_at_convergence_kmeanspp(solution, seed):
    for case_seed in (0, 1):
        X = overlapping(seed=seed(case_seed))
        case = f"overlapping Gaussians (300, 4), k=6, k-means++, seed={seed(case_seed)}, num_iters=300"
        centroids, labels = run(solution, X, 6, case, num_iters=300, seed=seed(case_seed))
        assert_fixed_point(X, centroids, labels, case)


@pytest.mark.category("correctness")
def test_fixed_point_at_convergence_random_init(solution, seed):
    for case_seed in (0, 5):
        X = overlapping(n=250, d=3, seed=seed(case_seed + 10))
        case = f"overlapping Gaussians (250, 3), k=7, init='random', seed={seed(case_seed)}, num_iters=300"
        centroids, labels = run(solution, X, 7, case, num_iters=300, seed=seed(case_seed), init="random")
        assert_fixed_point(X, centroids, labels, case)


# num_iters bounds the updates: 7 integer points, k=2, k-means++ (so the starting centroids are two
# distinct data points) and num_iters=1. After one update the centroids must be the means of the
# points nearest to each of two starting data points, whichever pair the solution drew: that holds
# for every correct solution and every seed. From about a quarter of the k-means++ starts (by
# probability), Lloyd needs more updates and ends at centroids that no single update from any pair
# gives, so a solution that ignores num_iters (runs to convergence, or a fixed 100 iterations) is
# caught at one of the 60 seeds except with probability ~0.76^60 ~ 1e-7. Those centroids and the
# one-update ones are all >= 3 apart (a coordinate), so they are told apart at atol 1e-6, a bound
# that says nothing about precision (float32 arithmetic inside passes; accuracy is tested elsewhere).
ITERS_X = np.array([[14.0, 0.0], [19.0, 7.0], [15.0, 10.0], [16.0, 1.0], [8.0, 0.0], [2.0, 18.0], [17.0, 1.0]])


def sort_rows(C):
    return C[np.lexsort(C.T[::-1])]


def one_update_results(X):
    """The centroids (2, d), rows sorted, of one Lloyd update from every pair of distinct data points."""
    results = []
    for i in range(len(X)):
        for j in range(len(X)):
            if i != j:
                C = X[[i, j]]
                results.append(sort_rows(ref.update(X, ref.assign(X, C), C)))
    return results


@pytest.mark.category("correctness")
def test_num_iters_bounds_the_updates(solution, seed):
    starts = one_update_results(ITERS_X)
    for case_seed in range(60):
        case = f"7 integer points (7, 2), k=2, k-means++, num_iters=1, seed={seed(case_seed)}"
        centroids, _ = run(solution, ITERS_X, 2, case, num_iters=1, seed=seed(case_seed))
        C = sort_rows(centroids.astype(np.float64))
        if not any(np.allclose(C, s, rtol=0, atol=1e-6) for s in starts):
            labels = ref.assign(ITERS_X, C)
            converged = np.allclose(ref.update(ITERS_X, labels, C), C, rtol=0, atol=1e-6)
            why = ("they are a converged fixed point: is num_iters ignored?" if converged
                   else "more than one update?")
            raise AssertionError(f"centroids {C.tolist()} for {case} are not one Lloyd update away from any two "
                                 f"starting data points ({why}); with num_iters=1, move each centroid once, to the "
                                 "mean of the points nearest to it, and stop")


@pytest.mark.category("numerical-stability")
def test_blobs_far_from_the_origin(solution, seed):
    X, truth = blobs(offset=1e5, seed=seed(0))
    case = "five well-separated blobs offset by 1e5 (spread 0.01), k=5, k-means++"
    centroids, labels = run(solution, X, 5, case)
    perm = true_cluster_of(labels, truth, case)
    assert_close(centroids[perm], blob_means(X, truth), f"the centroids for {case}", rtol=0, atol=1e-7)


@pytest.mark.category("shapes")
def test_shapes_for_small_and_degenerate_sizes(solution, seed):
    rng = np.random.default_rng(seed(4))
    for n, d, k in ((1, 3, 1), (9, 1, 3), (12, 6, 2), (40, 2, 11)):
        X = rng.standard_normal((n, d))
        for init in ("k-means++", "random"):
            case = f"X ({n}, {d}), k={k}, init={init!r}"
            centroids, labels = run(solution, X, k, case, init=init)
            assert_fixed_point(X, centroids, labels, case)


@pytest.mark.category("edge-case")
def test_k_equal_to_one_gives_the_mean(solution, seed):
    X = overlapping(n=50, d=3, seed=seed(2))
    case = "overlapping Gaussians (50, 3), k=1"
    centroids, labels = run(solution, X, 1, case)
    assert_close(centroids, X.mean(axis=0, keepdims=True), f"the centroid for {case}", rtol=1e-12, atol=1e-12)
    if not (labels == 0).all():
        raise AssertionError(f"labels {np.unique(labels).tolist()} for {case}; expected all 0")


@pytest.mark.category("edge-case")
def test_k_equal_to_n_puts_each_point_in_its_own_cluster(solution, seed):
    X = np.random.default_rng(seed(5)).standard_normal((12, 3))
    case = "12 distinct points, k=12, k-means++"
    centroids, labels = run(solution, X, 12, case)
    if np.unique(labels).size != 12:
        raise AssertionError(
            f"{np.unique(labels).size} distinct labels for {case}; expected every point in its own cluster "
            "(k-means++ never picks a point twice while another has a positive distance)")
    assert_close(centroids[labels], X, f"each point's centroid for {case}", rtol=1e-12, atol=1e-12)


@pytest.mark.category("edge-case")
def test_more_clusters_than_distinct_points_kmeanspp(solution, seed):
    """k-means++ covers every distinct point first, then every D(x)^2 is 0: no 0/0, no NaN."""
    zero_sum = ("0/0: with more clusters than distinct points, once every distinct point holds a centroid every "
                "D(x)^2 is 0 and so is their sum; draw the next centroid uniformly then (and a cluster left empty by "
                "two centroids on one point must keep or re-seed its centroid, not average no points)")
    causes = (SQRT, NEGATIVE_P, EMPTY, ("invalid value", zero_sum), ("divide by zero", zero_sum))
    cases = ((duplicates(), 5, "3 distinct points x 20 copies, k=5"),
             (np.tile([[2.0, -1.0, 0.5]], (30, 1)), 4, "30 identical points, k=4"))
    for X, k, name in cases:
        for case_seed in (0, 1):
            case = f"{name}, k-means++, seed={seed(case_seed)}"
            centroids, labels = run(solution, X, k, case, causes=causes, seed=seed(case_seed))
            assert_close(centroids[labels], X, f"each point's centroid for {case} (every point should sit on "
                         "its centroid)", rtol=1e-12, atol=1e-12)
            assert_fixed_point(X, centroids, labels, case)


@pytest.mark.category("edge-case")
def test_empty_clusters_from_random_init_stay_finite(solution, seed):
    """Random centroids drawn from heavily duplicated points coincide: some clusters are empty."""
    empty = ("0/0: random initial centroids drawn from duplicated points coincide, so some clusters are empty, and "
             "the mean of no points is 0/0; re-seed such a centroid or keep it where it was")
    causes = (SQRT, EMPTY, ("invalid value", empty), ("divide by zero", empty))
    X = duplicates()
    for case_seed in (0, 1, 2):
        case = f"3 distinct points x 20 copies, k=5, init='random', seed={seed(case_seed)}"
        centroids, labels = run(solution, X, 5, case, causes=causes, seed=seed(case_seed), init="random")
        assert_fixed_point(X, centroids, labels, case)


# -- the k-means++ draws -----------------------------------------------------------------------------

# Four groups of identical integer points, k=2. k-means++ draws the first centroid uniformly (so a
# group with probability size / 11) and the second with probability proportional to D(x)^2: from
# another group, with probability proportional to size * squared distance (never from its own
# group, where D(x)^2 = 0). From any two starting groups the first assignment is already Lloyd's
# fixed point (graders/keys/kmeans/test_oracle.py checks it, with a margin), so the clustering
# returned says which pair of groups k-means++ drew, up to three outcomes whose probabilities are
# exact. The counts over PP_DRAWS seeds are tested by an exact multinomial test at PP_ALPHA: for a
# correct solution a false alarm has probability at most 1e-6 by construction. The wrong variants
# are far out at 400 draws: D(x) instead of D(x)^2 (outcome probabilities .42/.36/.21 against
# .54/.41/.05) gives p ~ 1e-29, and p < 1e-12 in 1000 of 1000 simulated runs; the farthest point
# instead of a draw puts every run in one outcome (p ~ 1e-106); scikit-learn's greedy variant (the
# best of two D(x)^2 draws) p ~ 1e-17, < 4e-8 in 1000 of 1000 runs; uniformly drawn initial points
# (.23/.24/.53 over different groups, and same-group pairs) are further out still.
PP_GROUPS = np.array([[35.0, 14.0], [36.0, 89.0], [26.0, 22.0], [84.0, 45.0]])   # (4, 2): A, B, C, D
PP_SIZES = (3, 1, 6, 1)
PP_NAMES = "ABCD"
PP_DRAWS = 400
PP_ALPHA = 1e-6


def kmeanspp_data():
    """X (11, 2): the groups' points in a fixed shuffled order, and the group of each point (11,)."""
    group = np.random.default_rng(21).permutation(np.repeat(np.arange(len(PP_SIZES)), PP_SIZES))
    return PP_GROUPS[group], group


def partition_of(labels, group):
    """The clustering of the groups as a frozenset of frozensets of group ids, None if a group is split."""
    clusters = {}
    for g in np.unique(group):
        got = np.unique(labels[group == g])
        if got.size != 1:
            return None
        clusters.setdefault(int(got[0]), set()).add(int(g))
    return frozenset(frozenset(c) for c in clusters.values())


def describe_partition(partition):
    return " | ".join("{" + ", ".join(PP_NAMES[g] for g in sorted(c)) + "}" for c in sorted(partition, key=min))


def kmeanspp_outcomes():
    """{clustering: probability} for k-means++ then Lloyd with k=2 on kmeanspp_data()."""
    X, group = kmeanspp_data()
    sizes = np.array(PP_SIZES, dtype=float)
    d2 = ((PP_GROUPS[:, None, :] - PP_GROUPS[None, :, :]) ** 2).sum(axis=-1)        # (4, 4)
    outcomes = {}
    for a in range(len(sizes)):
        weights = sizes * d2[a]                                                       # D(x)^2 of each group
        for b in np.flatnonzero(weights > 0):
            _, labels = ref.lloyd(X, PP_GROUPS[[a, b]], 100)
            key = partition_of(labels, group)
            outcomes[key] = outcomes.get(key, 0.0) + sizes[a] / sizes.sum() * weights[b] / weights.sum()
    return outcomes


def multinomial_p_value(counts, probs):
    """Exact p-value of `counts` (3 cells) under multinomial(sum(counts), probs): the probability of
    every outcome at most as likely as the observed one."""
    n = int(sum(counts))
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])
    a, b = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    a, b = a[a + b <= n], b[a + b <= n]
    c = n - a - b
    log_p = np.log(probs)

    def log_pmf(a, b, c):
        return log_fact[n] - log_fact[a] - log_fact[b] - log_fact[c] + a * log_p[0] + b * log_p[1] + c * log_p[2]

    every, observed = log_pmf(a, b, c), log_pmf(*counts)
    return float(np.exp(every[every <= observed + 1e-9]).sum())


@pytest.mark.category("statistics")
def test_kmeanspp_draws_with_probability_proportional_to_squared_distance(solution, seed):
    X, group = kmeanspp_data()
    outcomes = kmeanspp_outcomes()
    keys = sorted(outcomes, key=describe_partition)
    groups = ", ".join(f"{PP_NAMES[g]}: {n} x {tuple(int(v) for v in PP_GROUPS[g])}" for g, n in enumerate(PP_SIZES))
    data = f"4 groups of identical points ({groups}), k=2, k-means++"
    counts = dict.fromkeys(keys, 0)
    for case_seed in range(PP_DRAWS):
        case = f"{data}, seed={seed(case_seed)}"
        _, labels = call_kmeans(solution, X, 2, case, seed=seed(case_seed))
        labels = assert_shape(as_array(labels, f"the labels for {case}"), (len(X),), f"the labels for {case}")
        key = partition_of(labels, group)
        if key not in counts:
            found = "a group of identical points split" if key is None else describe_partition(key)
            raise AssertionError(
                f"clustering {found} for {case}; k-means++ then Lloyd can only end at "
                f"{' or '.join(describe_partition(k) for k in keys)} here: the second centroid must come from "
                "another group (a copy of a chosen point has D(x)^2 = 0, so it is never drawn), and from two "
                "different groups the first assignment is already final (see the correctness tests if yours is not)")
        counts[key] += 1
    observed = [counts[k] for k in keys]
    probs = [outcomes[k] for k in keys]
    p_value = multinomial_p_value(observed, probs)
    if p_value < PP_ALPHA:
        detail = "; ".join(f"{describe_partition(k)}: observed {counts[k]}, expected {PP_DRAWS * outcomes[k]:.1f}"
                           for k in keys)
        raise AssertionError(
            f"the k-means++ draws do not follow the k-means++ distribution for {data}, seeds {seed(0)}, "
            f"{seed(1)}, ... ({PP_DRAWS} in all): "
            f"{detail}; exact multinomial p = {p_value:.2g} (< {PP_ALPHA:g}). The first centroid is a data point "
            "drawn uniformly, each next one a data point drawn with probability proportional to D(x)^2, its "
            "SQUARED distance to the nearest centroid chosen so far (not D(x), not the farthest point, not the "
            "best of several draws)")


def found_the_blobs(centroids, labels, X, truth):
    """Whether (centroids, labels) is the true clustering of blobs X, the centroids their means."""
    try:
        labels = np.asarray(labels).astype(np.int64)
        perm = true_cluster_of(labels, truth, "blobs")
        assert_close(centroids[perm], blob_means(X, truth), "blobs", rtol=1e-5, atol=1e-6 * np.abs(X).max())
        return True
    except (AssertionError, ValueError, TypeError, IndexError):
        return False


@pytest.mark.category("dtype")
def test_centroids_keep_the_dtype_of_x(solution, seed):
    # Integer-valued blobs 1000 apart: exact arithmetic and one centroid per blob for any correct
    # solution; only the dtype of the centroids is looked at.
    X, truth = integer_blobs(seed=seed(0))
    for dtype in (np.float32, np.float64):
        Xd = X.astype(dtype)
        case = f"five well-separated integer-valued {np.dtype(dtype)} blobs (200, 3), k=5"
        centroids, labels = call_kmeans(solution, Xd, 5, case)
        centroids = as_array(centroids, f"the centroids for {case}")
        if centroids.dtype != np.dtype(dtype):
            also = ("" if found_the_blobs(centroids, labels, Xd, truth)
                    else "; the clustering is wrong too: see the correctness tests")
            raise AssertionError(f"dtype {centroids.dtype} for the centroids for {case}; expected {np.dtype(dtype)} "
                                 f"(the dtype of X){also}")


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


def identical(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc" and b.dtype.kind in "fc")


@pytest.mark.category("determinism")
def test_same_seed_gives_identical_results(solution, make, fresh_solution, seed):
    # Twice in this process, then once in a fresh one whose global random states (np.random, random, torch)
    # were seeded differently: an answer memoised in the process, drawn from an unseeded generator, or
    # from the global state, is not the same there.
    X = integer_points(200, 2, seed=seed(6), span=40)                    # distinct points, exact arithmetic
    make("toys.common:seed_global_random", 1)
    fresh_process = fresh_solution(global_seed=2).solution
    for kwargs in ({"num_iters": 1}, {"num_iters": 1, "init": "random"}, {"seed": 3}, {"seed": 3, "init": "random"}):
        case = f"200 distinct integer points (200, 2), k=6, {kwargs}"
        first = call_kmeans(solution, X, 6, case, **kwargs)
        for how, again in (("called twice", solution), ("then in a fresh process", fresh_process)):
            second = call_kmeans(again, X, 6, f"{case}, {how}", **kwargs)
            if not (identical(first[0], second[0]) and identical(first[1], second[1])):
                raise AssertionError(f"two calls with the same arguments gave different results for {case}, {how}: "
                                     f"{differences(*first, *second)} (draw from {OWN_GENERATOR}; the global random "
                                     "state is not yours to draw from)")


def differences(c1, l1, c2, l2):
    """How two (centroids, labels) results differ, in words."""
    c1, l1, c2, l2 = (np.asarray(a) for a in (c1, l1, c2, l2))
    labels = (f"{int((l1 != l2).sum())} of {l1.size} labels differ" if l1.shape == l2.shape
              else f"labels of shapes {l1.shape} and {l2.shape}")
    centroids = (f"centroids differ by up to {np.nanmax(np.abs(c1.astype(float) - c2.astype(float))):.3g}"
                 if c1.shape == c2.shape and c1.size else f"centroids of shapes {c1.shape} and {c2.shape}")
    return f"{labels}, {centroids}"


@pytest.mark.category("determinism")
def test_global_random_state_is_not_used(solution, make, seed):
    # In-process evidence (GlobalRandomWatch runs beside the solution, which could rewrite it): it names
    # a reseed, which no other test sees. That the results do not depend on the global state is checked
    # out of the solution's reach, in a fresh process seeded differently (the test above).
    X = integer_points(60, 2, seed=seed(9))                              # distinct points, exact arithmetic
    watch = make("toys.common:GlobalRandomWatch")
    for init in ("k-means++", "random"):
        for kmeans_seed in (0, 1):
            call_kmeans(solution, X, 4, f"60 distinct integer points (60, 2), k=4, init={init!r}, seed={kmeans_seed}",
                        init=init, seed=kmeans_seed)
    touched = watch.touched()
    if touched:
        raise AssertionError(f"kmeans used or reseeded the global {' and '.join(touched)} state (60 distinct integer "
                             "points (60, 2), k=4, init 'k-means++' and 'random', seeds 0 and 1): draw from "
                             f"{OWN_GENERATOR}; np.random.seed(seed) or torch.manual_seed(seed) would also reset the "
                             "caller's random stream")


@pytest.mark.category("side-effects")
def test_x_is_not_modified(solution, seed):
    for dtype in (np.float64, np.float32):
        X = integer_points(100, 3, seed=seed(7)).astype(dtype)          # distinct points, exact arithmetic
        for init in ("k-means++", "random"):
            case = f"100 distinct integer points (100, 3) {np.dtype(dtype)}, k=4, init={init!r}"
            _, args_after, _ = solution.kmeans.with_inputs(X, 4, init=init)
            assert_unchanged(args_after[0], X, "X", case)


@pytest.mark.category("memory")
def test_large_input_without_an_n_k_d_array(solution):
    # Integer-valued (exact arithmetic at the data points): this test only looks at the memory.
    X = np.random.default_rng(8).integers(-8, 8, (200_000, 32)).astype(np.float32)   # 25.6 MB
    case = "X (200000, 32) float32, k=64, init='random', num_iters=1 (an (N, k, d) array would be 1.6 GB)"
    call_kmeans(solution, X, 64, case, num_iters=1, init="random")
