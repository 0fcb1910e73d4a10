"""Mutant: computes everything in float64 and returns new_residual in the result type of all three inputs, gamma's included."""

import numpy as np


def _dtype(*arrays):
    return np.result_type(*arrays)


def _stats(h, eps):
    """h float64 (..., d) -> (hhat, rrms (..., 1))."""
    rrms = 1.0 / np.sqrt(np.mean(h * h, axis=-1, keepdims=True) + eps)
    return h * rrms, rrms

def fused_add_rms_norm(x, residual, gamma, eps=1e-6):
    dtype = _dtype(x, residual, gamma)
    h = x.astype(np.float64) + residual.astype(np.float64)
    hhat, _ = _stats(h, eps)
    return (hhat * gamma).astype(dtype), h.astype(dtype)


def fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, eps=1e-6):
    dtype = _dtype(dy, dresidual_out, x, residual, gamma)
    hhat, rrms = _stats((x + residual).astype(np.float64), eps)
    g = dy * gamma
    dh = dresidual_out + rrms * (g - hhat * (g * hhat).mean(axis=-1, keepdims=True))
    dgamma = (dy * hhat).reshape(-1, hhat.shape[-1]).sum(axis=0)
    return dh.astype(dtype), dh.astype(dtype), dgamma.astype(dtype)
