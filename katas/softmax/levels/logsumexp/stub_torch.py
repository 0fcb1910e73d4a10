import torch


def logsumexp(x, axis=-1):
    """log(sum(exp(x))) along dimension `axis`, stable: x's shape without `axis`, x's float dtype.

    -inf entries count for nothing, an all -inf slice gives -inf, a +inf entry gives +inf; never NaN;
    x is not modified. torch.logsumexp and x.logsumexp(...) are not allowed: write it.
    """
    raise NotImplementedError
