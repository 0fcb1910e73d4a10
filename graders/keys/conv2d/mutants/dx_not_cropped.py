"""Returns the gradient of the padded input: dx has shape (B, C_in, H + 2 pad, W + 2 pad)."""

import numpy as np


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out = (H + 2 * pad - kH) // stride + 1
    W_out = (W + 2 * pad - kW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.empty((B, C_in, kH, kW, H_out, W_out), dtype=x.dtype)
    for i in range(kH):
        for j in range(kW):
            cols[:, :, i, j] = x_pad[:, :, i:i + stride * H_out:stride, j:j + stride * W_out:stride]
    out = np.einsum("bcijhw,ocij->bohw", cols, w)
    if b is not None:
        out = out + b[None, :, None, None]
    return out


def conv2d_backward(dout, x, w, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    for i in range(kH):
        for j in range(kW):
            rows = slice(i, i + stride * H_out, stride)
            cols = slice(j, j + stride * W_out, stride)
            dw[:, :, i, j] = np.einsum("bohw,bchw->oc", dout, x_pad[:, :, rows, cols])
            dx_pad[:, :, rows, cols] += np.einsum("bohw,oc->bchw", dout, w[:, :, i, j])
    db = dout.sum(axis=(0, 2, 3))
    dx = dx_pad
    return dx, dw, db
