"""Correct: Python loops over the output positions only (H_out * W_out iterations), each a
vectorised product over batch, channels and the kernel window; float32 arithmetic throughout
for float32 inputs (no upcast)."""

import numpy as np


def out_size(n, k, stride, pad):
    return (n + 2 * pad - k) // stride + 1


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out, W_out = out_size(H, kH, stride, pad), out_size(W, kW, stride, pad)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    w_flat = w.reshape(C_out, -1)                                   # (C_out, C_in*kH*kW)
    out = np.zeros((B, C_out, H_out, W_out), dtype=np.result_type(x, w))
    for p in range(H_out):
        for q in range(W_out):
            window = xp[:, :, p * stride:p * stride + kH, q * stride:q * stride + kW]   # (B, C_in, kH, kW)
            out[:, :, p, q] = window.reshape(B, -1) @ w_flat.T
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def conv2d_backward(dout, x, w, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    _, _, H_out, W_out = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    w_flat = w.reshape(C_out, -1)
    for p in range(H_out):
        for q in range(W_out):
            rows, cols = slice(p * stride, p * stride + kH), slice(q * stride, q * stride + kW)
            g = dout[:, :, p, q]                                    # (B, C_out)
            dw += (g.T @ xp[:, :, rows, cols].reshape(B, -1)).reshape(w.shape)
            dxp[:, :, rows, cols] += (g @ w_flat).reshape(B, C_in, kH, kW)
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, db
