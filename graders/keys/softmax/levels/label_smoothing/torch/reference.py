"""PyTorch reference of the softmax kata's level `label_smoothing`: the NumPy reference's contract, in
tensors. Self-contained (the bank grades it as a solution file); float64 inside, the logits' dtype out."""

import numbers

import torch


def _float_dtype(x):
    return x.dtype if x.is_floating_point() else torch.float64


def _smoothing(label_smoothing):
    """eps as a float in [0, 1]; ValueError otherwise."""
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real) \
            or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
    return float(label_smoothing)


def _log_softmax(z):
    """Rows of z (n, V) float64 -> their log-softmax, stable (each row shifted by its max)."""
    shifted = z - z.amax(dim=-1, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))


def _flatten(logits, labels, ignore_index):
    """logits (..., V) -> (N, V) float64; labels (...) -> (N,) int64; keep (N,) bool, True = counted."""
    if logits.dim() < 1 or tuple(labels.shape) != tuple(logits.shape[:-1]):
        raise ValueError(f"labels of shape {tuple(labels.shape)} do not match logits of shape {tuple(logits.shape)}")
    if labels.is_floating_point() or labels.is_complex():
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    V = logits.shape[-1]
    flat_logits = logits.reshape(-1, V).to(torch.float64)         # (N, V)
    flat_labels = labels.reshape(-1).to(torch.int64)               # (N,)
    keep = torch.ones_like(flat_labels, dtype=torch.bool) if ignore_index is None else flat_labels != ignore_index
    bad = keep & ((flat_labels < 0) | (flat_labels >= V))
    if bool(bad.any()):
        raise ValueError(f"label {int(flat_labels[bad][0])} is out of range for {V} classes (ignore_index={ignore_index})")
    return flat_logits, flat_labels, keep


def cross_entropy(logits, labels, ignore_index=None, label_smoothing=0.0):
    """Mean over counted positions of -sum(target * log_softmax), target = (1 - eps) onehot + eps / V."""
    eps = _smoothing(label_smoothing)
    flat_logits, flat_labels, keep = _flatten(logits, labels, ignore_index)
    n = int(keep.sum())
    if n == 0:
        return 0.0
    logp = _log_softmax(flat_logits[keep])                                 # (n, V)
    nll = -logp.gather(1, flat_labels[keep].unsqueeze(1)).squeeze(1)       # (n,)
    loss = (1.0 - eps) * nll.sum()
    if eps > 0:
        loss = loss + eps * (-logp.mean(dim=-1)).sum()
    return float(loss / n)


def cross_entropy_grad(logits, labels, ignore_index=None, label_smoothing=0.0):
    """(softmax - target) / n on counted rows, 0 on ignored rows; logits' shape and float dtype."""
    eps = _smoothing(label_smoothing)
    flat_logits, flat_labels, keep = _flatten(logits, labels, ignore_index)
    V = flat_logits.shape[-1]
    n = int(keep.sum())
    grad = torch.zeros_like(flat_logits)                                    # (N, V) float64
    if n > 0:
        rows = keep.nonzero().squeeze(1)                                    # (n,)
        grad[rows] = torch.exp(_log_softmax(flat_logits[rows])) - eps / V
        grad[rows, flat_labels[rows]] -= 1.0 - eps
        grad /= n
    return grad.reshape(logits.shape).to(_float_dtype(logits))
