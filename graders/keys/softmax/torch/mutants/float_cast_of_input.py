"""Mutant: `.float()` on the logits: float64 logits computed (and returned) in float32."""

import torch


def _float_dtype(x):
    """The dtype the output keeps: x's floating dtype, float64 if x is not floating."""
    return x.dtype if x.is_floating_point() else torch.float64


def _shifted(x, axis):
    """(x - max along axis) in float64, a new tensor: the largest entry of every slice becomes 0."""
    z = x.float()
    return z - z.amax(dim=axis, keepdim=True)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`. x: a tensor of any shape; returns x's shape and float dtype."""
    e = torch.exp(_shifted(x, axis))                 # entries in [0, 1], the max gives exactly 1
    return (e / e.sum(dim=axis, keepdim=True)).to(_float_dtype(x))


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`, never log(softmax(x))."""
    z = _shifted(x, axis)
    return (z - torch.log(torch.exp(z).sum(dim=axis, keepdim=True))).to(_float_dtype(x))


def _flatten(logits, labels, ignore_index):
    """logits (..., V) -> (N, V) float64; labels (...) -> (N,) int64; keep (N,) bool, True = counted.
    Raises ValueError for mismatched shapes, non-integer labels, or a counted label outside [0, V)."""
    if logits.dim() < 1 or tuple(labels.shape) != tuple(logits.shape[:-1]):
        raise ValueError(f"labels of shape {tuple(labels.shape)} do not match logits of shape {tuple(logits.shape)}")
    if labels.is_floating_point() or labels.is_complex():
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    V = logits.shape[-1]
    flat_logits = logits.reshape(-1, V).float()        # (N, V)
    flat_labels = labels.reshape(-1).to(torch.int64)              # (N,)
    keep = torch.ones_like(flat_labels, dtype=torch.bool) if ignore_index is None else flat_labels != ignore_index
    bad = keep & ((flat_labels < 0) | (flat_labels >= V))
    if bool(bad.any()):
        raise ValueError(f"label {int(flat_labels[bad][0])} is out of range for {V} classes "
                         f"(ignore_index={ignore_index})")
    return flat_logits, flat_labels, keep


def cross_entropy(logits, labels, ignore_index=None):
    """Mean over counted positions of -log_softmax(logits)[..., label]; 0.0 when every label is ignored."""
    flat_logits, flat_labels, keep = _flatten(logits, labels, ignore_index)
    n = int(keep.sum())
    if n == 0:
        return 0.0
    logp = log_softmax(flat_logits[keep], axis=-1)                    # (n, V) float64
    picked = logp.gather(1, flat_labels[keep].unsqueeze(1))           # (n, 1)
    return float(-picked.sum() / n)


def cross_entropy_grad(logits, labels, ignore_index=None):
    """(softmax - onehot) / n on counted rows, 0 on ignored rows; logits' shape and float dtype."""
    flat_logits, flat_labels, keep = _flatten(logits, labels, ignore_index)
    n = int(keep.sum())
    grad = torch.zeros_like(flat_logits)                              # (N, V) float32
    if n > 0:
        rows = keep.nonzero().squeeze(1)                              # (n,) counted rows
        grad[rows] = softmax(flat_logits[rows], axis=-1)
        grad[rows, flat_labels[rows]] -= 1.0
        grad /= n
    return grad.reshape(logits.shape).to(_float_dtype(logits))
