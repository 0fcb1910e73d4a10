"""Reference of the softmax kata's level `logsumexp`: log(sum(exp(x))) along an axis, stable.

float64 inside, the input's float dtype out. The shift is each slice's max when it is finite; a slice
whose max is -inf (all -inf) or +inf is shifted by 0 instead, so that no inf - inf is ever formed:
all -inf gives log(0) = -inf, a +inf entry gives log(inf) = +inf, both without a warning.
"""

import numpy as np


def logsumexp(x, axis=-1):
    """log(sum(exp(x))) along `axis`, that axis removed; x's float dtype (float64 if x is not float)."""
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)
    z = x.astype(np.float64)
    m = z.max(axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)                     # no inf - inf in the shift below
    with np.errstate(divide="ignore"):                        # log(0) = -inf for an all -inf slice
        out = np.log(np.exp(z - m).sum(axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis).astype(dtype)
