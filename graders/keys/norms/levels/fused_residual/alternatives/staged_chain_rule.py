"""Correct: float64 inside, the backward staged node by node (h -> mean square -> rrms -> hhat -> y),
the add's gradient summed from the stream and the norm, then copied to both inputs."""

import numpy as np


def fused_add_rms_norm(x, residual, gamma, eps=1e-6):
    new_residual = x + residual
    h = new_residual.astype(np.float64)
    ms = (h ** 2).mean(axis=-1, keepdims=True)                       # (..., 1)
    y = h * (ms + eps) ** -0.5 * gamma.astype(np.float64)
    return y.astype(np.result_type(new_residual, gamma)), new_residual


def fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, eps=1e-6):
    dtype = np.result_type(dy, dresidual_out, x, residual, gamma)
    h = (x + residual).astype(np.float64)
    dy, dres, gamma = dy.astype(np.float64), dresidual_out.astype(np.float64), gamma.astype(np.float64)
    d = h.shape[-1]
    ms = (h ** 2).mean(axis=-1, keepdims=True)                       # (..., 1)
    rrms = (ms + eps) ** -0.5
    dhhat = dy * gamma
    drrms = (dhhat * h).sum(axis=-1, keepdims=True)                  # hhat = h * rrms
    dms = drrms * -0.5 * (ms + eps) ** -1.5
    dh = dres + dhhat * rrms + dms * 2.0 * h / d                     # stream + direct + through the mean square
    dgamma = np.einsum("nd,nd->d", dy.reshape(-1, d), (h * rrms).reshape(-1, d))   # (N, d) rows
    return dh.astype(dtype), dh.astype(dtype), dgamma.astype(dtype)
