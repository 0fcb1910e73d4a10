"""The backward scatters window (p, q) at rows p, cols q: the stride is forgotten."""

import numpy as np


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out = (H + 2 * pad - kH) // stride + 1
    W_out = (W + 2 * pad - kW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((B, C_out, H_out, W_out), dtype=x.dtype)
    for p in range(H_out):
        for q in range(W_out):
            window = x_pad[:, :, p * stride:p * stride + kH, q * stride:q * stride + kW]
            out[:, :, p, q] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def conv2d_backward(dout, x, w, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    for p in range(H_out):
        for q in range(W_out):
            r, c = p, q
            window = x_pad[:, :, r:r + kH, c:c + kW]
            dw += np.tensordot(dout[:, :, p, q], window, axes=([0], [0]))
            dx_pad[:, :, r:r + kH, c:c + kW] += np.tensordot(dout[:, :, p, q], w, axes=([1], [0]))
    db = dout.sum(axis=(0, 2, 3))
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db
