"""col2im with dx_pad[:, k, i, j] += dcols: buffered fancy-index += drops repeated indices, so overlapping windows do not add up (np.add.at does)."""

import numpy as np


def get_indices(C, H_pad, W_pad, kH, kW, stride):
    """Index arrays (k, i, j), each broadcasting to (C*kH*kW, H_out*W_out)."""
    H_out = (H_pad - kH) // stride + 1
    W_out = (W_pad - kW) // stride + 1
    i0 = np.tile(np.repeat(np.arange(kH), kW), C)
    j0 = np.tile(np.arange(kW), kH * C)
    i1 = stride * np.repeat(np.arange(H_out), W_out)
    j1 = stride * np.tile(np.arange(W_out), H_out)
    k = np.repeat(np.arange(C), kH * kW)[:, None]
    return k, i0[:, None] + i1[None, :], j0[:, None] + j1[None, :]


def im2col(x_pad, kH, kW, stride):
    """(B, C, H_pad, W_pad) -> (B, C*kH*kW, H_out*W_out)."""
    k, i, j = get_indices(x_pad.shape[1], x_pad.shape[2], x_pad.shape[3], kH, kW, stride)
    return x_pad[:, k, i, j]


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out = (H + 2 * pad - kH) // stride + 1
    W_out = (W + 2 * pad - kW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = im2col(x_pad, kH, kW, stride)                        # (B, K, L)
    out = w.reshape(C_out, -1) @ cols                           # (B, C_out, L)
    if b is not None:
        out = out + b[:, None]
    return out.reshape(B, C_out, H_out, W_out)


def conv2d_backward(dout, x, w, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = im2col(x_pad, kH, kW, stride)                        # (B, K, L)
    dout_flat = dout.reshape(B, C_out, -1)                      # (B, C_out, L)
    db = dout_flat.sum(axis=(0, 2))
    dw = np.einsum("bol,bkl->ok", dout_flat, cols).reshape(w.shape)
    dcols = w.reshape(C_out, -1).T @ dout_flat                  # (B, K, L)
    dx_pad = np.zeros_like(x_pad)
    k, i, j = get_indices(C_in, H + 2 * pad, W + 2 * pad, kH, kW, stride)
    dx_pad[:, k, i, j] += dcols
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, db
