"""Correct: no patch matrix; a Python loop over the kH * kW kernel offsets, each a shifted strided
view of the padded input contracted over channels with tensordot; arithmetic in the input dtype."""

import numpy as np


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out = (H + 2 * pad - kH) // stride + 1
    W_out = (W + 2 * pad - kW) // stride + 1
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    out = np.zeros((B, H_out, W_out, C_out), dtype=np.result_type(x, w))
    for i in range(kH):
        for j in range(kW):
            shifted = xp[:, :, i:i + stride * H_out:stride, j:j + stride * W_out:stride]   # (B, C_in, H_out, W_out)
            out += np.tensordot(shifted, w[:, :, i, j], axes=([1], [1]))                  # (B, H_out, W_out, C_out)
    if b is not None:
        out = out + b
    return out.transpose(0, 3, 1, 2)


def conv2d_backward(dout, x, w, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out, W_out = dout.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    dxp = np.zeros(xp.shape, dtype=np.result_type(dout, w))
    dw = np.zeros(w.shape, dtype=np.result_type(dout, x))
    for i in range(kH):
        for j in range(kW):
            rows = slice(i, i + stride * H_out, stride)
            cols = slice(j, j + stride * W_out, stride)
            dw[:, :, i, j] = np.tensordot(dout, xp[:, :, rows, cols], axes=([0, 2, 3], [0, 2, 3]))
            dxp[:, :, rows, cols] += np.tensordot(dout, w[:, :, i, j], axes=([1], [0])).transpose(0, 3, 1, 2)
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, db
