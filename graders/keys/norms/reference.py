"""Reference solution of the `norms` kata: LayerNorm and RMSNorm over the last axis, forward and backward.

Computes in float64 and returns the inputs' floating dtype (np.result_type of the float inputs).
LayerNorm uses the biased variance (divide by d) computed in two passes (mean first, then the mean
of the squared deviations), so rows far from the origin (mean 1e4, spread 1) lose no precision;
eps is added to the variance inside the square root, so constant rows (variance 0) stay finite.
dgamma and dbeta sum over every leading axis: x may be (d,), (N, d), (B, T, d), ...
"""

import numpy as np


def _float_dtype(*arrays):
    """The dtype the outputs keep: the result type of the inputs, float64 if none is floating."""
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def _f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def _leading_axes(x):
    """Every axis but the last: the axes dgamma and dbeta sum over (none for a 1-D x)."""
    return tuple(range(x.ndim - 1))


def _layer_norm_stats(x, eps):
    """x (..., d) float64 -> (xhat (..., d), rstd (..., 1)), xhat = (x - mean) * rstd."""
    centred = x - x.mean(axis=-1, keepdims=True)                # (..., d) two-pass: no E[x^2] - E[x]^2
    var = np.mean(centred * centred, axis=-1, keepdims=True)    # (..., 1) biased: divide by d, not d - 1
    rstd = 1.0 / np.sqrt(var + eps)                             # (..., 1) eps inside the root
    return centred * rstd, rstd


def _rms_norm_stats(x, eps):
    """x (..., d) float64 -> (xhat (..., d), rrms (..., 1)), xhat = x * rrms; no mean subtracted."""
    rrms = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)   # (..., 1)
    return x * rrms, rrms


def layer_norm(x, gamma, beta, eps=1e-5):
    """y = (x - mean) / sqrt(var + eps) * gamma + beta over the last axis.

    x: (..., d); gamma, beta: (d,). Returns (..., d) in np.result_type(x, gamma, beta)."""
    dtype = _float_dtype(x, gamma, beta)
    x64, gamma64, beta64 = _f64(x, gamma, beta)
    xhat, _ = _layer_norm_stats(x64, eps)                       # (..., d)
    return (xhat * gamma64 + beta64).astype(dtype, copy=False)


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    """Gradients of sum(dy * layer_norm(x, gamma, beta, eps)) -> (dx (..., d), dgamma (d,), dbeta (d,)).

    With g = dy * gamma (the gradient w.r.t. xhat), per row:
        dx = rstd * (g - mean(g) - xhat * mean(g * xhat))
    the two mean terms are the paths through the row's mean and variance."""
    dtype = _float_dtype(dy, x, gamma)
    dy64, x64, gamma64 = _f64(dy, x, gamma)
    xhat, rstd = _layer_norm_stats(x64, eps)                    # (..., d), (..., 1)
    g = dy64 * gamma64                                          # (..., d)
    dx = rstd * (g - g.mean(axis=-1, keepdims=True) - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    dgamma = (dy64 * xhat).sum(axis=_leading_axes(x64))         # (d,)
    dbeta = dy64.sum(axis=_leading_axes(x64))                   # (d,)
    return tuple(a.astype(dtype, copy=False) for a in (dx, dgamma, dbeta))


def rms_norm(x, gamma, eps=1e-6):
    """y = x / sqrt(mean(x^2) + eps) * gamma over the last axis (no mean subtraction, no beta).

    x: (..., d); gamma: (d,). Returns (..., d) in np.result_type(x, gamma)."""
    dtype = _float_dtype(x, gamma)
    x64, gamma64 = _f64(x, gamma)
    xhat, _ = _rms_norm_stats(x64, eps)                         # (..., d)
    return (xhat * gamma64).astype(dtype, copy=False)


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    """Gradients of sum(dy * rms_norm(x, gamma, eps)) -> (dx (..., d), dgamma (d,)).

    With g = dy * gamma, per row: dx = rrms * (g - xhat * mean(g * xhat)), the second term being
    the path through the row's mean square."""
    dtype = _float_dtype(dy, x, gamma)
    dy64, x64, gamma64 = _f64(dy, x, gamma)
    xhat, rrms = _rms_norm_stats(x64, eps)                      # (..., d), (..., 1)
    g = dy64 * gamma64                                          # (..., d)
    dx = rrms * (g - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    dgamma = (dy64 * xhat).sum(axis=_leading_axes(x64))         # (d,)
    return tuple(a.astype(dtype, copy=False) for a in (dx, dgamma))
