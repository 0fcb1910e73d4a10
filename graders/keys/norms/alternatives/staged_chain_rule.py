"""Correct: the staged computational-graph backward (mean -> centred -> variance -> inverse std ->
xhat), gradients pushed back node by node through dvar and dmean; float64 inside, np.var for the
variance, einsum over a (N, d) view for dgamma and dbeta, outputs cast to the inputs' dtype."""

import numpy as np


def layer_norm(x, gamma, beta, eps=1e-5):
    dtype = np.result_type(x, gamma, beta)
    x64 = x.astype(np.float64)
    mu = np.mean(x64, axis=-1, keepdims=True)
    var = np.var(x64, axis=-1, keepdims=True)
    y = (x64 - mu) / np.sqrt(var + eps) * gamma + beta
    return y.astype(dtype)


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    dtype = np.result_type(dy, x, gamma)
    d = x.shape[-1]
    x64, dy64 = x.reshape(-1, d).astype(np.float64), dy.reshape(-1, d).astype(np.float64)
    mu = x64.mean(axis=1, keepdims=True)
    xmu = x64 - mu
    var = (xmu ** 2).mean(axis=1, keepdims=True)
    sqrtvar = np.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar

    dgamma = np.einsum("nd,nd->d", dy64, xhat)
    dbeta = np.einsum("nd->d", dy64)
    dxhat = dy64 * gamma
    divar = np.sum(dxhat * xmu, axis=1, keepdims=True)
    dxmu1 = dxhat * ivar
    dsqrtvar = -divar / sqrtvar ** 2
    dvar = 0.5 * dsqrtvar / sqrtvar
    dsq = dvar * np.ones_like(x64) / d
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -np.sum(dx1, axis=1, keepdims=True)
    dx2 = dmu * np.ones_like(x64) / d
    dx = (dx1 + dx2).reshape(x.shape)
    return dx.astype(dtype), dgamma.astype(dtype), dbeta.astype(dtype)


def rms_norm(x, gamma, eps=1e-6):
    dtype = np.result_type(x, gamma)
    x64 = x.astype(np.float64)
    ms = np.mean(x64 ** 2, axis=-1, keepdims=True)
    return (x64 / np.sqrt(ms + eps) * gamma).astype(dtype)


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    dtype = np.result_type(dy, x, gamma)
    d = x.shape[-1]
    x64, dy64 = x.reshape(-1, d).astype(np.float64), dy.reshape(-1, d).astype(np.float64)
    ms = (x64 ** 2).mean(axis=1, keepdims=True)
    rms = np.sqrt(ms + eps)
    dxhat = dy64 * gamma
    drms = -np.sum(dxhat * x64, axis=1, keepdims=True) / rms ** 2
    dms = drms * 0.5 / rms
    dx = dxhat / rms + dms * 2 * x64 / d
    dgamma = np.einsum("nd,nd->d", dy64, x64 / rms)
    return dx.reshape(x.shape).astype(dtype), dgamma.astype(dtype)
