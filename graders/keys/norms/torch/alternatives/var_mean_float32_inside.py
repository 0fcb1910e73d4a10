"""Correct: arithmetic in the inputs' own promoted dtype (float32 stays float32 inside), the statistics from
torch.var_mean(correction=0) and torch.rsqrt, the leading-dim sums written as einsums ('...d,...d->d' also
covers a 1-D input, where the ellipsis is empty)."""

import torch


def _layer_stats(x, eps):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)   # var first, then mean
    rstd = torch.rsqrt(var + eps)
    return (x - mean) * rstd, rstd


def _rms_stats(x, eps):
    rrms = torch.rsqrt(x.square().mean(dim=-1, keepdim=True) + eps)
    return x * rrms, rrms


def layer_norm(x, gamma, beta, eps=1e-5):
    xhat, _ = _layer_stats(x, eps)
    return xhat * gamma + beta


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    dtype = torch.promote_types(torch.promote_types(dy.dtype, x.dtype), gamma.dtype)
    dy, x, gamma = dy.to(dtype), x.to(dtype), gamma.to(dtype)
    xhat, rstd = _layer_stats(x, eps)
    g = dy * gamma
    dx = rstd * (g - g.mean(dim=-1, keepdim=True) - xhat * (g * xhat).mean(dim=-1, keepdim=True))
    return dx, torch.einsum("...d,...d->d", dy, xhat), torch.einsum("...d->d", dy)


def rms_norm(x, gamma, eps=1e-6):
    xhat, _ = _rms_stats(x, eps)
    return xhat * gamma


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    dtype = torch.promote_types(torch.promote_types(dy.dtype, x.dtype), gamma.dtype)
    dy, x, gamma = dy.to(dtype), x.to(dtype), gamma.to(dtype)
    xhat, rrms = _rms_stats(x, eps)
    g = dy * gamma
    dx = rrms * (g - xhat * (g * xhat).mean(dim=-1, keepdim=True))
    return dx, torch.einsum("...d,...d->d", dy, xhat)
