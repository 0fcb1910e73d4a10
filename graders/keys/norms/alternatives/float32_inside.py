"""Correct: vectorised, all arithmetic in the input dtype (float32 stays float32 throughout: only
Python floats mix in), the compact backward rstd * (g - mean(g) - xhat * mean(g * xhat))."""

import numpy as np


def _normalise(x, eps):
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    rstd = 1.0 / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + eps)
    return xc * rstd, rstd


def layer_norm(x, gamma, beta, eps=1e-5):
    xhat, _ = _normalise(x, eps)
    return xhat * gamma + beta


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    xhat, rstd = _normalise(x, eps)
    g = dy * gamma
    dx = rstd * (g - g.mean(axis=-1, keepdims=True) - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    lead = tuple(range(x.ndim - 1))
    return dx, (dy * xhat).sum(axis=lead), dy.sum(axis=lead)


def rms_norm(x, gamma, eps=1e-6):
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps) * gamma


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    rrms = 1.0 / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps)
    xhat = x * rrms
    g = dy * gamma
    dx = rrms * (g - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    return dx, (dy * xhat).sum(axis=tuple(range(x.ndim - 1)))
