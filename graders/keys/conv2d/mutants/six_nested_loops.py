"""The textbook nested loops over batch, output channel, output row and col, input channel and kernel row and col: correct values, far too slow for a real batch."""

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
                    total = 0.0 if b is None else b[o]
                    for c in range(C_in):
                        for i in range(kH):
                            for j in range(kW):
                                total += xp[n, c, p * stride + i, q * stride + j] * w[o, c, i, j]
                    out[n, o, p, q] = total
    return out


def conv2d_backward(dout, x, w, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    _, _, H_out, W_out = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.zeros(C_out, dtype=dout.dtype)
    for n in range(B):
        for o in range(C_out):
            for p in range(H_out):
                for q in range(W_out):
                    g = dout[n, o, p, q]
                    db[o] += g
                    for c in range(C_in):
                        for i in range(kH):
                            for j in range(kW):
                                dw[o, c, i, j] += g * xp[n, c, p * stride + i, q * stride + j]
                                dxp[n, c, p * stride + i, q * stride + j] += g * w[o, c, i, j]
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, db
