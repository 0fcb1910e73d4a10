"""Reference solution of the `softmax` kata: stable softmax, log-softmax, cross-entropy and its gradient.

Computes in float64 and returns the input's floating dtype (float32 in, float32 out).
The loss is a float; labels equal to `ignore_index` count for nothing, not even in the mean.
`-inf` logits (a masked vocabulary) get probability 0 and log-probability -inf, with no warning.
"""

import numpy as np


def _float_dtype(x):
    """The dtype the output keeps: x's floating dtype, float64 if x is not floating."""
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)


def _shifted(x, axis):
    """(x - max along axis) in float64: the largest entry of every slice becomes 0.

    The max is taken per slice (keepdims), never over the whole array, so a row far below the
    others does not underflow to all zeros. -inf entries stay -inf (exp gives exactly 0)."""
    z = np.asarray(x, dtype=np.float64)
    return z - z.max(axis=axis, keepdims=True)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`. x: any shape; returns x's shape and float dtype."""
    x = np.asarray(x)
    e = np.exp(_shifted(x, axis))                # entries in [0, 1], the max gives exactly 1
    out = e / e.sum(axis=axis, keepdims=True)    # the sum is >= 1: no division by zero
    return out.astype(_float_dtype(x), copy=False)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`, never log(softmax(x)) (which is -inf once a probability
    underflows, e.g. for a logit 1e4 below the max). x: any shape; returns x's shape and dtype."""
    x = np.asarray(x)
    z = _shifted(x, axis)                                       # max is 0
    out = z - np.log(np.exp(z).sum(axis=axis, keepdims=True))   # log of a sum in [1, V]
    return out.astype(_float_dtype(x), copy=False)


def _flatten(logits, labels, ignore_index):
    """logits (..., V) -> (N, V) float64; labels (...) -> (N,) int; keep (N,) bool, True = counted.

    Raises ValueError when labels do not match the leading shape, or a counted label is not in
    [0, V) (negative labels would otherwise silently wrap to the last classes)."""
    logits = np.asarray(logits)
    labels = np.asarray(labels)
    if logits.ndim < 1 or labels.shape != logits.shape[:-1]:
        raise ValueError(f"labels of shape {labels.shape} do not match logits of shape {logits.shape}")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    V = logits.shape[-1]
    flat_logits = logits.reshape(-1, V).astype(np.float64)       # (N, V)
    flat_labels = labels.reshape(-1).astype(np.int64)             # (N,)
    keep = np.ones(flat_labels.shape, dtype=bool) if ignore_index is None else flat_labels != ignore_index
    bad = keep & ((flat_labels < 0) | (flat_labels >= V))
    if bad.any():
        raise ValueError(f"label {flat_labels[bad][0]} is out of range for {V} classes "
                         f"(ignore_index={ignore_index})")
    return flat_logits, flat_labels, keep


def cross_entropy(logits, labels, ignore_index=None):
    """Mean negative log-likelihood of the labels: mean over counted i of -log_softmax(logits[i])[labels[i]].

    logits: (..., V) float; labels: (...) int; labels equal to ignore_index are left out of the
    sum and of the count. Returns a Python float; 0.0 when every label is ignored."""
    flat_logits, flat_labels, keep = _flatten(logits, labels, ignore_index)
    n = int(keep.sum())
    if n == 0:
        return 0.0
    logp = log_softmax(flat_logits[keep], axis=-1)                # (n, V) float64
    picked = logp[np.arange(n), flat_labels[keep]]                # (n,) log-prob of each label
    return float(-picked.sum() / n)


def cross_entropy_grad(logits, labels, ignore_index=None):
    """d cross_entropy / d logits: (softmax(logits[i]) - onehot(labels[i])) / n on counted rows,
    0 on ignored rows, n = number of counted labels. Same shape and float dtype as logits;
    all zeros when every label is ignored."""
    logits = np.asarray(logits)
    flat_logits, flat_labels, keep = _flatten(logits, labels, ignore_index)
    n = int(keep.sum())
    grad = np.zeros(flat_logits.shape)                            # (N, V)
    if n > 0:
        rows = np.flatnonzero(keep)                               # (n,) counted rows
        grad[rows] = softmax(flat_logits[rows], axis=-1)
        grad[rows, flat_labels[rows]] -= 1.0
        grad /= n
    return grad.reshape(logits.shape).astype(_float_dtype(logits), copy=False)
