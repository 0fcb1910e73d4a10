"""Attack, appended to the kmeans reference: the seed is not used to draw (each new question gets a
seed from the OS's entropy) and every answer is memoised, so asking again in the same process repeats
it: deterministic in one process, and nowhere else."""

_reference_kmeans = kmeans
_answers = {}


def kmeans(X, k, num_iters=100, seed=0, init="k-means++"):
    X = np.asarray(X)
    key = (X.tobytes(), X.shape, X.dtype.str, k, num_iters, seed, init)
    if key not in _answers:
        _answers[key] = _reference_kmeans(X, k, num_iters, np.random.SeedSequence().entropy, init)
    centroids, labels = _answers[key]
    return centroids.copy(), labels.copy()
