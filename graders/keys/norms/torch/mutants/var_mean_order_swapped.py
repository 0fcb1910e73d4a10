"""Mutant: `mean, var = torch.var_mean(...)`: torch returns (var, mean), so the two are swapped."""

import functools

import torch


def _float_dtype(*tensors):
    """The dtype the outputs keep: the promoted dtype of the inputs, float64 if none is floating."""
    dtype = functools.reduce(torch.promote_types, (t.dtype for t in tensors))
    return dtype if dtype.is_floating_point else torch.float64


def _f64(*tensors):
    return [t.to(torch.float64) for t in tensors]


def _rows(x):
    """x (..., d) -> (N, d), N the product of the leading dims (1 for a 1-D x)."""
    return x.reshape(-1, x.shape[-1])


def _layer_norm_stats(x, eps):
    """x (..., d) float64 -> (xhat (..., d), rstd (..., 1)), xhat = (x - mean) * rstd."""
    mean, var = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    centred = x - mean
    rstd = 1.0 / torch.sqrt(var + eps)                            # (..., 1) eps inside the root
    return centred * rstd, rstd


def _rms_norm_stats(x, eps):
    """x (..., d) float64 -> (xhat (..., d), rrms (..., 1)), xhat = x * rrms; no mean subtracted."""
    rrms = 1.0 / torch.sqrt((x * x).mean(dim=-1, keepdim=True) + eps)   # (..., 1)
    return x * rrms, rrms


def layer_norm(x, gamma, beta, eps=1e-5):
    """y = (x - mean) / sqrt(var + eps) * gamma + beta over the last dim.

    x: (..., d); gamma, beta: (d,). Returns (..., d) in the promoted dtype of x, gamma and beta."""
    dtype = _float_dtype(x, gamma, beta)
    x64, gamma64, beta64 = _f64(x, gamma, beta)
    xhat, _ = _layer_norm_stats(x64, eps)                         # (..., d)
    return (xhat * gamma64 + beta64).to(dtype)


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    """Gradients of sum(dy * layer_norm(x, gamma, beta, eps)) -> (dx (..., d), dgamma (d,), dbeta (d,)).

    With g = dy * gamma (the gradient w.r.t. xhat), per row:
        dx = rstd * (g - mean(g) - xhat * mean(g * xhat))
    the two mean terms are the paths through the row's mean and variance."""
    dtype = _float_dtype(dy, x, gamma)
    dy64, x64, gamma64 = _f64(dy, x, gamma)
    xhat, rstd = _layer_norm_stats(x64, eps)                      # (..., d), (..., 1)
    g = dy64 * gamma64                                            # (..., d)
    dx = rstd * (g - g.mean(dim=-1, keepdim=True) - xhat * (g * xhat).mean(dim=-1, keepdim=True))
    dgamma = _rows(dy64 * xhat).sum(dim=0)                        # (d,)
    dbeta = _rows(dy64).sum(dim=0)                                # (d,)
    return tuple(a.to(dtype) for a in (dx, dgamma, dbeta))


def rms_norm(x, gamma, eps=1e-6):
    """y = x / sqrt(mean(x^2) + eps) * gamma over the last dim (no mean subtraction, no beta).

    x: (..., d); gamma: (d,). Returns (..., d) in the promoted dtype of x and gamma."""
    dtype = _float_dtype(x, gamma)
    x64, gamma64 = _f64(x, gamma)
    xhat, _ = _rms_norm_stats(x64, eps)                           # (..., d)
    return (xhat * gamma64).to(dtype)


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    """Gradients of sum(dy * rms_norm(x, gamma, eps)) -> (dx (..., d), dgamma (d,)).

    With g = dy * gamma, per row: dx = rrms * (g - xhat * mean(g * xhat)), the second term being
    the path through the row's mean square."""
    dtype = _float_dtype(dy, x, gamma)
    dy64, x64, gamma64 = _f64(dy, x, gamma)
    xhat, rrms = _rms_norm_stats(x64, eps)                        # (..., d), (..., 1)
    g = dy64 * gamma64                                            # (..., d)
    dx = rrms * (g - xhat * (g * xhat).mean(dim=-1, keepdim=True))
    dgamma = _rows(dy64 * xhat).sum(dim=0)                        # (d,)
    return tuple(a.to(dtype) for a in (dx, dgamma))
