"""Correct: the add and the norm in the inputs' own dtype (float32 stays float32 inside), reusing one
rms_norm / rms_norm_backward pair as the kata's solution would, the add's gradient fanned out to both."""

import numpy as np


def rms_norm(h, gamma, eps):
    rrms = 1.0 / np.sqrt(np.mean(h * h, axis=-1, keepdims=True) + np.asarray(eps, dtype=h.dtype))
    return h * rrms * gamma


def rms_norm_backward(dy, h, gamma, eps):
    rrms = 1.0 / np.sqrt(np.mean(h * h, axis=-1, keepdims=True) + np.asarray(eps, dtype=h.dtype))
    hhat = h * rrms
    g = dy * gamma
    dh = rrms * (g - hhat * np.mean(g * hhat, axis=-1, keepdims=True))
    return dh, (dy * hhat).reshape(-1, h.shape[-1]).sum(axis=0)


def fused_add_rms_norm(x, residual, gamma, eps=1e-6):
    new_residual = x + residual
    return rms_norm(new_residual, gamma, eps), new_residual


def fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, eps=1e-6):
    dh, dgamma = rms_norm_backward(dy, x + residual, gamma, eps)
    dh = dh + dresidual_out
    return dh, dh.copy(), dgamma
