"""Correct: RMS from torch.linalg.vector_norm (||x|| / sqrt(d)), LayerNorm's variance from
Tensor.var(correction=0), float64 inside, beta + xhat * gamma as one torch.addcmul; LayerNorm's dx with
row sums instead of means; dgamma and dbeta summed over a list of the leading dims when there are some,
the row itself when there are none (torch reads dim=() as every dim)."""

import torch


def _dtype(*tensors):
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype


def _sum_leading(t):
    """Sum over every dim but the last; a 1-D t is returned as it is."""
    return t.sum(dim=list(range(t.dim() - 1))) if t.dim() > 1 else t


def _ln_stats(x, eps):
    x = x.double()
    var = x.var(dim=-1, keepdim=True, correction=0)
    rstd = (var + eps).rsqrt()
    return (x - x.mean(dim=-1, keepdim=True)) * rstd, rstd


def _rms_stats(x, eps):
    x = x.double()
    rms_sq = torch.linalg.vector_norm(x, dim=-1, keepdim=True) ** 2 / x.shape[-1]
    rrms = 1.0 / torch.sqrt(rms_sq + eps)
    return x * rrms, rrms


def layer_norm(x, gamma, beta, eps=1e-5):
    xhat, _ = _ln_stats(x, eps)
    return torch.addcmul(beta.double(), xhat, gamma.double()).to(_dtype(x, gamma, beta))


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    xhat, rstd = _ln_stats(x, eps)
    dy64 = dy.double()
    g = dy64 * gamma.double()
    d = x.shape[-1]
    dx = (d * g - g.sum(dim=-1, keepdim=True) - xhat * (g * xhat).sum(dim=-1, keepdim=True)) * (rstd / d)
    dtype = _dtype(dy, x, gamma)
    return dx.to(dtype), _sum_leading(dy64 * xhat).to(dtype), _sum_leading(dy64).to(dtype)


def rms_norm(x, gamma, eps=1e-6):
    xhat, _ = _rms_stats(x, eps)
    return (xhat * gamma.double()).to(_dtype(x, gamma))


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    xhat, rrms = _rms_stats(x, eps)
    dy64 = dy.double()
    g = dy64 * gamma.double()
    dx = rrms * (g - xhat * (g * xhat).mean(dim=-1, keepdim=True))
    dtype = _dtype(dy, x, gamma)
    return dx.to(dtype), _sum_leading(dy64 * xhat).to(dtype)
