"""Mutant: takes LayerNorm's default eps, 1e-5, for the fused RMSNorm."""

import numpy as np


def _dtype(*arrays):
    return np.result_type(*arrays)


def _stats(h, eps):
    """h float64 (..., d) -> (hhat, rrms (..., 1))."""
    rrms = 1.0 / np.sqrt(np.mean(h * h, axis=-1, keepdims=True) + eps)
    return h * rrms, rrms


def fused_add_rms_norm(x, residual, gamma, eps=1e-5):
    new_residual = x + residual
    hhat, _ = _stats(new_residual.astype(np.float64), eps)
    return (hhat * gamma).astype(_dtype(x, residual, gamma)), new_residual


def fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, eps=1e-5):
    dtype = _dtype(dy, dresidual_out, x, residual, gamma)
    hhat, rrms = _stats((x + residual).astype(np.float64), eps)
    g = dy * gamma
    dh = dresidual_out + rrms * (g - hhat * (g * hhat).mean(axis=-1, keepdims=True))
    dgamma = (dy * hhat).reshape(-1, hhat.shape[-1]).sum(axis=0)
    return dh.astype(dtype), dh.astype(dtype), dgamma.astype(dtype)
