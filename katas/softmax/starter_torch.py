import torch


def softmax(x, axis=-1):
    """Numerically stable softmax of `x` along dimension `axis` (named as in the NumPy version).

    x: torch.Tensor of any shape, on the CPU. Returns a tensor of the same shape and float dtype
    (float32 in, float32 out) whose entries along `axis` are >= 0 and sum to 1.
    Logits of magnitude 1e4 must not overflow; a -inf logit gets probability exactly 0.
    x is not modified (no in-place op on it). Not allowed: torch.softmax, F.softmax, x.softmax(...)
    and the like (see the prompt's list).
    """
    raise NotImplementedError


def log_softmax(x, axis=-1):
    """Numerically stable log of the softmax of `x` along dimension `axis`.

    x: torch.Tensor of any shape. Returns a tensor of the same shape and float dtype.
    Finite wherever the true value is finite (a logit 1e4 below the max gives about -1e4, not
    -inf); a -inf logit gives -inf. x is not modified. torch.logsumexp is not allowed: write it.
    """
    raise NotImplementedError


def cross_entropy(logits, labels, ignore_index=None):
    """Mean negative log-likelihood of integer labels under softmax(logits).

    logits: (..., V) float tensor, any number of leading dimensions.
    labels: (...) int64 tensor, the class of each position, in [0, V).
    ignore_index: None, or an int; positions whose label equals it are left out of both the sum
                  and the count of the mean (it may be -100 or an ordinary class id such as 0).
    Returns a Python float (or a 0-d tensor): the mean over non-ignored positions of
    -log_softmax(logits)[..., label]; 0.0 when every label is ignored. All-zero logits give log(V).
    Raises ValueError if a non-ignored label is outside [0, V).
    """
    raise NotImplementedError


def cross_entropy_grad(logits, labels, ignore_index=None):
    """Gradient of cross_entropy(logits, labels, ignore_index) with respect to logits, by hand
    (no autograd: .backward(), torch.autograd and requires_grad_ are not allowed).

    logits: (..., V) float tensor; labels: (...) int64 tensor; ignore_index as in cross_entropy.
    Returns a tensor of the same shape and float dtype as logits. Ignored positions get zero
    gradient; when every label is ignored the result is all zeros (no NaN).
    """
    raise NotImplementedError
