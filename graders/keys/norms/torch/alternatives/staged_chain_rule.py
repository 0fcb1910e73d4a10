"""Correct: the staged chain rule of the computation graph (xhat, then var, then mean, as in CS231n),
float64 inside, the inputs reshaped to (N, d) rows, (var + eps) ** -1.5 written out."""

import torch


def _dtype(*tensors):
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype


def _as_rows(t):
    """(..., d) -> (N, d) float64."""
    return t.reshape(-1, t.shape[-1]).to(torch.float64)


def layer_norm(x, gamma, beta, eps=1e-5):
    xs = _as_rows(x)
    mu = xs.mean(dim=1, keepdim=True)
    xmu = xs - mu
    var = xmu.pow(2).mean(dim=1, keepdim=True)
    y = xmu / torch.sqrt(var + eps) * gamma.double() + beta.double()
    return y.reshape(x.shape).to(_dtype(x, gamma, beta))


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    xs, dys = _as_rows(x), _as_rows(dy)
    d = xs.shape[1]
    mu = xs.mean(dim=1, keepdim=True)
    xmu = xs - mu
    var = xmu.pow(2).mean(dim=1, keepdim=True)
    ivar = 1.0 / torch.sqrt(var + eps)
    xhat = xmu * ivar
    dxhat = dys * gamma.double()
    dvar = (dxhat * xmu).sum(dim=1, keepdim=True) * -0.5 * (var + eps) ** -1.5
    dmu = (-dxhat * ivar).sum(dim=1, keepdim=True) + dvar * (-2.0 * xmu).mean(dim=1, keepdim=True)
    dx = dxhat * ivar + dvar * 2.0 * xmu / d + dmu / d
    dtype = _dtype(dy, x, gamma)
    return (dx.reshape(x.shape).to(dtype), (dys * xhat).sum(dim=0).to(dtype), dys.sum(dim=0).to(dtype))


def rms_norm(x, gamma, eps=1e-6):
    xs = _as_rows(x)
    ms = xs.pow(2).mean(dim=1, keepdim=True)
    return (xs / torch.sqrt(ms + eps) * gamma.double()).reshape(x.shape).to(_dtype(x, gamma))


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    xs, dys = _as_rows(x), _as_rows(dy)
    d = xs.shape[1]
    ms = xs.pow(2).mean(dim=1, keepdim=True)
    irms = 1.0 / torch.sqrt(ms + eps)
    dxhat = dys * gamma.double()
    dms = (dxhat * xs).sum(dim=1, keepdim=True) * -0.5 * (ms + eps) ** -1.5
    dx = dxhat * irms + dms * 2.0 * xs / d
    dtype = _dtype(dy, x, gamma)
    return dx.reshape(x.shape).to(dtype), (dys * xs * irms).sum(dim=0).to(dtype)
