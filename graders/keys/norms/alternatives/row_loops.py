"""Correct: Python loops over the rows (and over the entries of a row), Welford's running mean and
variance in Python floats, the backward written per entry; results stored in the inputs' dtype."""

import math

import numpy as np


def _rows(a, d):
    return np.asarray(a).reshape(-1, d)


def _welford(row):
    """Mean and biased variance of a row in one numerically stable pass."""
    mean, m2 = 0.0, 0.0
    for n, v in enumerate(row, start=1):
        v = float(v)
        delta = v - mean
        mean += delta / n
        m2 += delta * (v - mean)
    return mean, m2 / len(row)


def layer_norm(x, gamma, beta, eps=1e-5):
    d = x.shape[-1]
    out = np.empty(x.shape, dtype=np.result_type(x, gamma, beta))
    flat = out.reshape(-1, d)
    for i, row in enumerate(_rows(x, d)):
        mean, var = _welford(row)
        inv = 1.0 / math.sqrt(var + eps)
        for j in range(d):
            flat[i, j] = (float(row[j]) - mean) * inv * float(gamma[j]) + float(beta[j])
    return out


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    d = x.shape[-1]
    dtype = np.result_type(dy, x, gamma)
    dx = np.empty(x.shape, dtype=dtype)
    flat_dx = dx.reshape(-1, d)
    dgamma, dbeta = [0.0] * d, [0.0] * d
    for i, (row, grow) in enumerate(zip(_rows(x, d), _rows(dy, d))):
        mean, var = _welford(row)
        inv = 1.0 / math.sqrt(var + eps)
        xhat = [(float(v) - mean) * inv for v in row]
        g = [float(grow[j]) * float(gamma[j]) for j in range(d)]
        mean_g = sum(g) / d
        mean_gx = sum(gj * xj for gj, xj in zip(g, xhat)) / d
        for j in range(d):
            flat_dx[i, j] = inv * (g[j] - mean_g - xhat[j] * mean_gx)
            dgamma[j] += float(grow[j]) * xhat[j]
            dbeta[j] += float(grow[j])
    return dx, np.array(dgamma, dtype=dtype), np.array(dbeta, dtype=dtype)


def rms_norm(x, gamma, eps=1e-6):
    d = x.shape[-1]
    out = np.empty(x.shape, dtype=np.result_type(x, gamma))
    flat = out.reshape(-1, d)
    for i, row in enumerate(_rows(x, d)):
        inv = 1.0 / math.sqrt(sum(float(v) ** 2 for v in row) / d + eps)
        for j in range(d):
            flat[i, j] = float(row[j]) * inv * float(gamma[j])
    return out


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    d = x.shape[-1]
    dtype = np.result_type(dy, x, gamma)
    dx = np.empty(x.shape, dtype=dtype)
    flat_dx = dx.reshape(-1, d)
    dgamma = [0.0] * d
    for i, (row, grow) in enumerate(zip(_rows(x, d), _rows(dy, d))):
        inv = 1.0 / math.sqrt(sum(float(v) ** 2 for v in row) / d + eps)
        g = [float(grow[j]) * float(gamma[j]) for j in range(d)]
        dot = sum(g[j] * float(row[j]) for j in range(d))          # sum(g * x)
        for j in range(d):
            # d/dx_j of x_j * inv: inv * g_j - x_j * inv^3 * sum(g * x) / d
            flat_dx[i, j] = inv * g[j] - float(row[j]) * inv ** 3 * dot / d
            dgamma[j] += float(grow[j]) * float(row[j]) * inv
    return dx, np.array(dgamma, dtype=dtype)
