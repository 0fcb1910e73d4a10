"""Python loops over batch, output channel and output position (four loops), each window a vectorised multiply-sum: correct values, too slow for a real batch."""

import numpy as np


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out = (H + 2 * pad - kH) // stride + 1
    W_out = (W + 2 * pad - kW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((B, C_out, H_out, W_out), dtype=x.dtype)
    for n in range(B):
        for o in range(C_out):
            for p in range(H_out):
                for q in range(W_out):
                    window = xp[n, :, p * stride:p * stride + kH, q * stride:q * stride + kW]
                    out[n, o, p, q] = np.sum(window * w[o])
            if b is not None:
                out[n, o] += b[o]
    return out


def conv2d_backward(dout, x, w, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    _, _, H_out, W_out = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for n in range(B):
        for o in range(C_out):
            for p in range(H_out):
                for q in range(W_out):
                    rows, cols = slice(p * stride, p * stride + kH), slice(q * stride, q * stride + kW)
                    dw[o] += dout[n, o, p, q] * xp[n, :, rows, cols]
                    dxp[n, :, rows, cols] += dout[n, o, p, q] * w[o]
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, db
