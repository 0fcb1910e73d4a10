"""Correct: one row at a time in Python floats (math.fsum for the row sums), as a kernel walks rows."""

import math

import numpy as np


def _rows(a):
    a = np.asarray(a)
    return a.reshape(-1, a.shape[-1])                                 # (N, d)


def fused_add_rms_norm(x, residual, gamma, eps=1e-6):
    new_residual = x + residual
    h = _rows(new_residual)
    y = np.empty(h.shape, dtype=np.result_type(new_residual, gamma))
    for i, row in enumerate(h.tolist()):
        r = 1.0 / math.sqrt(math.fsum(v * v for v in row) / len(row) + eps)
        y[i] = [v * r * float(g) for v, g in zip(row, gamma)]
    return y.reshape(np.shape(new_residual)), new_residual


def fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, eps=1e-6):
    dtype = np.result_type(dy, dresidual_out, x, residual, gamma)
    h, dys, dres = _rows(x + residual), _rows(dy), _rows(dresidual_out)
    d = h.shape[-1]
    gam = [float(g) for g in gamma]
    dh = np.empty(h.shape, dtype=np.float64)
    dgamma = [0.0] * d
    for i in range(h.shape[0]):
        row, dyr = h[i].tolist(), dys[i].tolist()
        r = 1.0 / math.sqrt(math.fsum(v * v for v in row) / d + eps)
        hhat = [v * r for v in row]
        g = [a * b for a, b in zip(dyr, gam)]
        proj = math.fsum(a * b for a, b in zip(g, hhat)) / d
        dh[i] = [float(dres[i, j]) + r * (g[j] - hhat[j] * proj) for j in range(d)]
        for j in range(d):
            dgamma[j] += dyr[j] * hhat[j]
    dh = dh.reshape(np.shape(x)).astype(dtype)
    return dh, dh.copy(), np.array(dgamma, dtype=dtype)
