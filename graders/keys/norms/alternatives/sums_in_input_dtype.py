"""Correct: in the input dtype (float32 stays float32), written with row sums instead of means,
rsqrt as (var + eps) ** -0.5, the 1/d factored out of dx; dgamma/dbeta summed over a reshaped
(N, d) view; the variance as np.var."""

import numpy as np


def layer_norm(x, gamma, beta, eps=1e-5):
    mu = np.mean(x, axis=-1, keepdims=True)
    rstd = (np.var(x, axis=-1, keepdims=True) + eps) ** -0.5
    return gamma * ((x - mu) * rstd) + beta


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    d = x.shape[-1]
    mu = np.mean(x, axis=-1, keepdims=True)
    rstd = (np.var(x, axis=-1, keepdims=True) + eps) ** -0.5
    xhat = (x - mu) * rstd
    g = gamma * dy
    dx = rstd / d * (d * g - np.sum(g, axis=-1, keepdims=True) - xhat * np.sum(g * xhat, axis=-1, keepdims=True))
    dgamma = np.sum((dy * xhat).reshape(-1, d), axis=0)
    dbeta = np.sum(dy.reshape(-1, d), axis=0)
    return dx, dgamma, dbeta


def rms_norm(x, gamma, eps=1e-6):
    rrms = (np.sum(x * x, axis=-1, keepdims=True) / x.shape[-1] + eps) ** -0.5
    return gamma * x * rrms


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    d = x.shape[-1]
    rrms = (np.sum(x * x, axis=-1, keepdims=True) / d + eps) ** -0.5
    g = gamma * dy
    dx = rrms * g - x * rrms ** 3 * np.sum(g * x, axis=-1, keepdims=True) / d
    dgamma = np.sum((dy * x * rrms).reshape(-1, d), axis=0)
    return dx, dgamma
