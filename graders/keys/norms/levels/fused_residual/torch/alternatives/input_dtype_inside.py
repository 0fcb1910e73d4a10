"""Correct: the arithmetic in the inputs' own dtype (float32 stays float32 inside), torch.rsqrt, one
rms_norm / rms_norm_backward pair reused as the kata's solution would, the add's gradient fanned out."""

import torch


def rms_norm(h, gamma, eps):
    return h * torch.rsqrt(h.pow(2).mean(dim=-1, keepdim=True) + eps) * gamma


def rms_norm_backward(dy, h, gamma, eps):
    rrms = torch.rsqrt(h.pow(2).mean(dim=-1, keepdim=True) + eps)  # (..., 1)
    hhat = h * rrms
    g = dy * gamma
    dh = rrms * (g - hhat * (g * hhat).mean(dim=-1, keepdim=True))
    dgamma = (dy * hhat).flatten(0, -2).sum(dim=0) if h.dim() > 1 else dy * hhat
    return dh, dgamma


def fused_add_rms_norm(x, residual, gamma, eps=1e-6):
    new_residual = x + residual
    return rms_norm(new_residual, gamma, eps), new_residual


def fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, eps=1e-6):
    dh, dgamma = rms_norm_backward(dy, x + residual, gamma, eps)
    dh = dh + dresidual_out
    return dh, dh.clone(), dgamma
