"""Python loops over batch, output channel and output position, each window a tensor multiply-sum: correct values, far too slow for a real batch (PyTorch's per-op overhead is larger than NumPy's)."""

import torch
import torch.nn.functional as F


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out = (H + 2 * pad - kH) // stride + 1
    W_out = (W + 2 * pad - kW) // stride + 1
    x_pad = F.pad(x, (pad, pad, pad, pad))
    out = torch.zeros(B, C_out, H_out, W_out, dtype=x.dtype)
    for n in range(B):
        for o in range(C_out):
            for p in range(H_out):
                for q in range(W_out):
                    window = x_pad[n, :, p * stride:p * stride + kH, q * stride:q * stride + kW]
                    out[n, o, p, q] = (window * w[o]).sum() + (b[o] if b is not None else 0.0)
    return out


def conv2d_backward(dout, x, w, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out, W_out = dout.shape[2:]
    x_pad = F.pad(x, (pad, pad, pad, pad))
    dx_pad = torch.zeros_like(x_pad)
    dw = torch.zeros_like(w)
    for n in range(B):
        for o in range(C_out):
            for p in range(H_out):
                for q in range(W_out):
                    rows = slice(p * stride, p * stride + kH)
                    cols = slice(q * stride, q * stride + kW)
                    dw[o] += dout[n, o, p, q] * x_pad[n, :, rows, cols]
                    dx_pad[n, :, rows, cols] += dout[n, o, p, q] * w[o]
    db = dout.sum(dim=(0, 2, 3))
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, db
