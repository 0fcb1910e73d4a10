"""Upcasts every input to float64 for accuracy and never casts back: float64 out for float32 in."""

import numpy as np


def layer_norm(x, gamma, beta, eps=1e-5):
    x, gamma, beta = (np.asarray(a, dtype=np.float64) for a in (x, gamma, beta))
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    return xhat * gamma + beta


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    dy, x, gamma = (np.asarray(a, dtype=np.float64) for a in (dy, x, gamma))
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean) * rstd
    g = dy * gamma
    dx = rstd * (g - g.mean(axis=-1, keepdims=True) - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    axes = tuple(range(x.ndim - 1))
    dgamma = (dy * xhat).sum(axis=axes)
    dbeta = dy.sum(axis=axes)
    return dx, dgamma, dbeta


def rms_norm(x, gamma, eps=1e-6):
    x, gamma = (np.asarray(a, dtype=np.float64) for a in (x, gamma))
    rms = np.sqrt((x ** 2).mean(axis=-1, keepdims=True) + eps)
    return x / rms * gamma


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    dy, x, gamma = (np.asarray(a, dtype=np.float64) for a in (dy, x, gamma))
    rms = np.sqrt((x ** 2).mean(axis=-1, keepdims=True) + eps)
    xhat = x / rms
    g = dy * gamma
    dx = (g - xhat * (g * xhat).mean(axis=-1, keepdims=True)) / rms
    axes = tuple(range(x.ndim - 1))
    dgamma = (dy * xhat).sum(axis=axes)
    return dx, dgamma
