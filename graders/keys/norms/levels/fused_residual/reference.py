"""Reference of the norms kata's level `fused_residual`: residual add + RMSNorm, forward and backward.

h = x + residual is the new residual stream, y = rms_norm(h, gamma, eps). Computes in float64;
new_residual keeps np.result_type(x, residual), y np.result_type(x, residual, gamma), every gradient
np.result_type of the backward's inputs. The add's gradient reaches x and residual alike:
dx = dresidual = dresidual_out + (the RMSNorm backward of dy at h). Inputs are never modified.
"""

import numpy as np


def _float_dtype(*arrays):
    """The dtype the outputs keep: the result type of the inputs, float64 if none is floating."""
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def _rms_norm_stats(h, eps):
    """h (..., d) float64 -> (hhat (..., d), rrms (..., 1)), hhat = h * rrms; no mean subtracted."""
    rrms = 1.0 / np.sqrt(np.mean(h * h, axis=-1, keepdims=True) + eps)   # (..., 1) eps inside the root
    return h * rrms, rrms


def fused_add_rms_norm(x, residual, gamma, eps=1e-6):
    """(y, new_residual): new_residual = x + residual, y = new_residual / sqrt(mean(new_residual^2) + eps) * gamma.

    x, residual: (..., d); gamma: (d,)."""
    new_residual = np.asarray(x + residual)                                # (..., d) in result_type(x, residual)
    hhat, _ = _rms_norm_stats(new_residual.astype(np.float64), eps)        # (..., d) from the stream as returned
    y = hhat * np.asarray(gamma, dtype=np.float64)
    return y.astype(_float_dtype(x, residual, gamma), copy=False), new_residual


def fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, eps=1e-6):
    """Gradients of sum(dy * y) + sum(dresidual_out * new_residual) -> (dx, dresidual, dgamma (d,)).

    With h = x + residual, g = dy * gamma, per row: dh = dresidual_out + rrms * (g - hhat * mean(g * hhat)),
    and dx = dresidual = dh; dgamma = sum of dy * hhat over every leading axis."""
    dtype = _float_dtype(dy, dresidual_out, x, residual, gamma)
    dy64, dres64, gamma64 = (np.asarray(a, dtype=np.float64) for a in (dy, dresidual_out, gamma))
    h64 = np.asarray(x + residual, dtype=np.float64)                       # the forward's new_residual
    hhat, rrms = _rms_norm_stats(h64, eps)                                 # (..., d), (..., 1)
    g = dy64 * gamma64                                                     # (..., d) gradient w.r.t. hhat
    dh = dres64 + rrms * (g - hhat * (g * hhat).mean(axis=-1, keepdims=True))
    dgamma = (dy64 * hhat).sum(axis=tuple(range(h64.ndim - 1)))           # (d,)
    return dh.astype(dtype), dh.astype(dtype), dgamma.astype(dtype, copy=False)
