"""dx as a full correlation of the dilated dout with the kernel NOT flipped (the flip of the backward-as-convolution identity is forgotten)."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def windows(a, kH, kW, stride):
    """(B, C, H, W) -> (B, C, H_out, W_out, kH, kW)."""
    return sliding_window_view(a, (kH, kW), axis=(2, 3))[:, :, ::stride, ::stride]


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    kH, kW = w.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.einsum("bchwij,ocij->bohw", windows(x_pad, kH, kW, stride), w)
    if b is not None:
        out = out + b[:, None, None]
    return out


def conv2d_backward(dout, x, w, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    db = dout.sum(axis=(0, 2, 3))
    dw = np.einsum("bchwij,bohw->ocij", windows(x_pad, kH, kW, stride), dout)
    # dx: full correlation of the stride-dilated dout with the flipped kernel
    dilated = np.zeros((B, C_out, (H_out - 1) * stride + 1, (W_out - 1) * stride + 1), dtype=dout.dtype)
    dilated[:, :, ::stride, ::stride] = dout
    dilated = np.pad(dilated, ((0, 0), (0, 0), (kH - 1, kH - 1), (kW - 1, kW - 1)))
    w_flipped = w
    reached = np.einsum("bohwij,ocij->bchw", windows(dilated, kH, kW, 1), w_flipped)
    dx_pad = np.zeros_like(x_pad)
    dx_pad[:, :, :reached.shape[2], :reached.shape[3]] = reached
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, db
