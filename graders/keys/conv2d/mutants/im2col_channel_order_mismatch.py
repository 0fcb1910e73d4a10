"""Patches flattened in (kH, kW, C_in) order but the kernel reshaped in (C_in, kH, kW) order: channels and offsets are mixed up."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def patches(x_pad, kH, kW, stride):
    """(B, C, H_pad, W_pad) -> (B, H_out, W_out, K): each window flattened in (kH, kW, C) order."""
    v = sliding_window_view(x_pad, (kH, kW), axis=(2, 3))[:, :, ::stride, ::stride]   # (B, C, H_out, W_out, kH, kW)
    B, C, H_out, W_out = v.shape[:4]
    return v.transpose(0, 2, 3, 4, 5, 1).reshape(B, H_out, W_out, kH * kW * C)


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    C_out, _, kH, kW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = patches(x_pad, kH, kW, stride) @ w.reshape(C_out, -1).T       # (B, H_out, W_out, C_out)
    if b is not None:
        out = out + b
    return out.transpose(0, 3, 1, 2)


def conv2d_backward(dout, x, w, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    g = dout.transpose(0, 2, 3, 1)                                      # (B, H_out, W_out, C_out)
    db = g.sum(axis=(0, 1, 2))
    dw = np.einsum("bhwk,bhwo->ok", patches(x_pad, kH, kW, stride), g).reshape(w.shape)
    dpatches = (g @ w.reshape(C_out, -1)).reshape(B, H_out, W_out, kH, kW, C_in)
    dx_pad = np.zeros_like(x_pad)
    for i in range(kH):
        for j in range(kW):
            rows = slice(i, i + stride * H_out, stride)
            cols = slice(j, j + stride * W_out, stride)
            dx_pad[:, :, rows, cols] += dpatches[:, :, :, i, j, :].transpose(0, 3, 1, 2)
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, db
