"""Reference of the softmax kata's level `label_smoothing`: cross_entropy and cross_entropy_grad with
`label_smoothing=eps`, as torch.nn.functional.cross_entropy computes it (eps spread over all V classes).

Self-contained (the bank grades it as a solution file): the flattening, the label checks and the
stable log-softmax are the kata's reference's. Float64 inside, the logits' float dtype out. The
smoothing term is added only when eps > 0, so that eps = 0 never forms 0 * (-inf) at a masked logit.
"""

import numbers

import numpy as np


def _float_dtype(x):
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)


def _smoothing(label_smoothing):
    """eps as a float in [0, 1]; ValueError otherwise."""
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real) \
            or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
    return float(label_smoothing)


def _log_softmax(z):
    """Rows of z (n, V) float64 -> their log-softmax, stable (each row shifted by its finite max)."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _flatten(logits, labels, ignore_index):
    """logits (..., V) -> (N, V) float64; labels (...) -> (N,) int64; keep (N,) bool, True = counted.
    ValueError for mismatched shapes, non-integer labels, or a counted label outside [0, V)."""
    logits, labels = np.asarray(logits), np.asarray(labels)
    if logits.ndim < 1 or labels.shape != logits.shape[:-1]:
        raise ValueError(f"labels of shape {labels.shape} do not match logits of shape {logits.shape}")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    V = logits.shape[-1]
    flat_logits = logits.reshape(-1, V).astype(np.float64)        # (N, V)
    flat_labels = labels.reshape(-1).astype(np.int64)              # (N,)
    keep = np.ones(flat_labels.shape, dtype=bool) if ignore_index is None else flat_labels != ignore_index
    bad = keep & ((flat_labels < 0) | (flat_labels >= V))
    if bad.any():
        raise ValueError(f"label {flat_labels[bad][0]} is out of range for {V} classes (ignore_index={ignore_index})")
    return flat_logits, flat_labels, keep


def cross_entropy(logits, labels, ignore_index=None, label_smoothing=0.0):
    """Mean over counted positions of -sum(target * log_softmax), target = (1 - eps) onehot + eps / V.
    A float; 0.0 when every label is ignored; +inf when eps > 0 and a logit is -inf."""
    eps = _smoothing(label_smoothing)
    flat_logits, flat_labels, keep = _flatten(logits, labels, ignore_index)
    n = int(keep.sum())
    if n == 0:
        return 0.0
    logp = _log_softmax(flat_logits[keep])                            # (n, V)
    nll = -logp[np.arange(n), flat_labels[keep]]                      # (n,)
    loss = (1.0 - eps) * nll.sum()
    if eps > 0:
        loss += eps * (-logp.mean(axis=-1)).sum()                      # the uniform part of the target
    return float(loss / n)


def cross_entropy_grad(logits, labels, ignore_index=None, label_smoothing=0.0):
    """(softmax - target) / n on counted rows, 0 on ignored rows; logits' shape and float dtype."""
    eps = _smoothing(label_smoothing)
    logits = np.asarray(logits)
    flat_logits, flat_labels, keep = _flatten(logits, labels, ignore_index)
    V = flat_logits.shape[-1]
    n = int(keep.sum())
    grad = np.zeros(flat_logits.shape)                                 # (N, V)
    if n > 0:
        rows = np.flatnonzero(keep)                                    # (n,) counted rows
        grad[rows] = np.exp(_log_softmax(flat_logits[rows])) - eps / V
        grad[rows, flat_labels[rows]] -= 1.0 - eps
        grad /= n
    return grad.reshape(logits.shape).astype(_float_dtype(logits), copy=False)
