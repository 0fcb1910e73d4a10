"""Correct: one row at a time in a Python loop over the flattened (N, d) rows, each row's statistics as
Python floats (two passes: the mean, then the squared deviations), the gradients accumulated row by row
into preallocated float64 buffers, cast to the promoted dtype at the end."""

import math

import torch


def _out_dtype(*tensors):
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype


def _layer_row(row, eps):
    """row (d,) float64 -> (xhat (d,), rstd float)."""
    d = row.shape[0]
    mean = float(row.sum()) / d
    centred = row - mean
    var = float((centred * centred).sum()) / d
    rstd = 1.0 / math.sqrt(var + eps)
    return centred * rstd, rstd


def _rms_row(row, eps):
    d = row.shape[0]
    rrms = 1.0 / math.sqrt(float((row * row).sum()) / d + eps)
    return row * rrms, rrms


def layer_norm(x, gamma, beta, eps=1e-5):
    d = x.shape[-1]
    rows = x.reshape(-1, d).double()
    g64, b64 = gamma.double(), beta.double()
    out = torch.empty_like(rows)
    for i in range(rows.shape[0]):
        xhat, _ = _layer_row(rows[i], eps)
        out[i] = xhat * g64 + b64
    return out.reshape(x.shape).to(_out_dtype(x, gamma, beta))


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    d = x.shape[-1]
    rows, dys, g64 = x.reshape(-1, d).double(), dy.reshape(-1, d).double(), gamma.double()
    dx = torch.empty_like(rows)
    dgamma = torch.zeros(d, dtype=torch.float64)
    dbeta = torch.zeros(d, dtype=torch.float64)
    for i in range(rows.shape[0]):
        xhat, rstd = _layer_row(rows[i], eps)
        g = dys[i] * g64
        dx[i] = rstd * (g - float(g.sum()) / d - xhat * (float((g * xhat).sum()) / d))
        dgamma += dys[i] * xhat
        dbeta += dys[i]
    dtype = _out_dtype(dy, x, gamma)
    return dx.reshape(x.shape).to(dtype), dgamma.to(dtype), dbeta.to(dtype)


def rms_norm(x, gamma, eps=1e-6):
    d = x.shape[-1]
    rows, g64 = x.reshape(-1, d).double(), gamma.double()
    out = torch.empty_like(rows)
    for i in range(rows.shape[0]):
        xhat, _ = _rms_row(rows[i], eps)
        out[i] = xhat * g64
    return out.reshape(x.shape).to(_out_dtype(x, gamma))


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    d = x.shape[-1]
    rows, dys, g64 = x.reshape(-1, d).double(), dy.reshape(-1, d).double(), gamma.double()
    dx = torch.empty_like(rows)
    dgamma = torch.zeros(d, dtype=torch.float64)
    for i in range(rows.shape[0]):
        xhat, rrms = _rms_row(rows[i], eps)
        g = dys[i] * g64
        dx[i] = rrms * (g - xhat * (float((g * xhat).sum()) / d))
        dgamma += dys[i] * xhat
    dtype = _out_dtype(dy, x, gamma)
    return dx.reshape(x.shape).to(dtype), dgamma.to(dtype)
