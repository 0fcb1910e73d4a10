"""Correct: one row at a time (a kernel's program per row), float64 inside, dgamma accumulated across rows."""

import torch


def _promoted(*tensors):
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype


def fused_add_rms_norm(x, residual, gamma, eps=1e-6):
    new_residual = x + residual
    h = new_residual.double().reshape(-1, x.shape[-1])              # (N, d)
    rows = []
    for row in h:
        rows.append(row / torch.sqrt(row.pow(2).mean() + eps) * gamma.double())
    y = torch.stack(rows).reshape(new_residual.shape)
    return y.to(_promoted(x, residual, gamma)), new_residual


def fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, eps=1e-6):
    d = x.shape[-1]
    dtype = _promoted(dy, dresidual_out, x, residual, gamma)
    h = (x + residual).double().reshape(-1, d)                       # (N, d)
    dys, dres = dy.double().reshape(-1, d), dresidual_out.double().reshape(-1, d)
    dh_rows, dgamma = [], torch.zeros(d, dtype=torch.float64)
    for i in range(h.shape[0]):
        r = torch.rsqrt(h[i].pow(2).mean() + eps)
        hhat = h[i] * r
        g = dys[i] * gamma.double()
        dh_rows.append(dres[i] + r * (g - hhat * (g * hhat).mean()))
        dgamma = dgamma + dys[i] * hhat
    dh = torch.stack(dh_rows).reshape(x.shape).to(dtype)
    return dh, dh.clone(), dgamma.to(dtype)
