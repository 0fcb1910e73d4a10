import numpy as np


def logsumexp(x, axis=-1):
    """log(sum(exp(x))) along `axis`, stable: x's shape without `axis`, x's float dtype.

    -inf entries count for nothing, an all -inf slice gives -inf, a +inf entry gives +inf; never NaN,
    no RuntimeWarning; x is not modified.
    """
    raise NotImplementedError
