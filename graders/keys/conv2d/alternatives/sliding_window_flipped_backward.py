"""Correct: sliding_window_view + einsum, float64 inside; dx derived as a full correlation of the
stride-dilated, (k-1)-padded dout with the flipped kernel, placed in the padded grid (rows past
the last window stay zero) and cropped."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def windows(a, kH, kW, stride):
    """(B, C, H, W) -> (B, C, H_out, W_out, kH, kW) views of every window, with the stride."""
    return sliding_window_view(a, (kH, kW), axis=(2, 3))[:, :, ::stride, ::stride]


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    dtype = np.result_type(x, w) if b is None else np.result_type(x, w, b)
    kH, kW = w.shape[2:]
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.einsum("bchwij,ocij->bohw", windows(xp, kH, kW, stride), w.astype(np.float64), optimize=True)
    if b is not None:
        out = out + b.astype(np.float64)[:, None, None]
    return out.astype(dtype)


def conv2d_backward(dout, x, w, stride=1, pad=0):
    dtype = np.result_type(dout, x, w)
    dout, x, w = (a.astype(np.float64) for a in (dout, x, w))
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    _, _, H_out, W_out = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))

    db = dout.sum(axis=(0, 2, 3))
    dw = np.einsum("bchwij,bohw->ocij", windows(xp, kH, kW, stride), dout, optimize=True)

    # dilate dout by the stride, pad it by k - 1, correlate with the flipped kernel
    dilated = np.zeros((B, C_out, (H_out - 1) * stride + 1, (W_out - 1) * stride + 1))
    dilated[:, :, ::stride, ::stride] = dout
    dilated = np.pad(dilated, ((0, 0), (0, 0), (kH - 1, kH - 1), (kW - 1, kW - 1)))
    w_flipped = w[:, :, ::-1, ::-1]
    reached = np.einsum("bohwij,ocij->bchw", windows(dilated, kH, kW, 1), w_flipped, optimize=True)
    dxp = np.zeros_like(xp)
    dxp[:, :, :reached.shape[2], :reached.shape[3]] = reached
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    return dx.astype(dtype), dw.astype(dtype), db.astype(dtype)
