"""Correct: CS231n-style im2col with index arrays and one matmul, float64 inside; col2im with
np.add.at so that overlapping windows accumulate."""

import numpy as np


def im2col_indices(C, H_pad, W_pad, kH, kW, stride):
    """Index arrays (k, i, j), each (C*kH*kW, H_out*W_out): column n of the patch matrix."""
    H_out = (H_pad - kH) // stride + 1
    W_out = (W_pad - kW) // stride + 1
    i0 = np.tile(np.repeat(np.arange(kH), kW), C)                   # row offset within the window
    j0 = np.tile(np.arange(kW), kH * C)                             # col offset within the window
    i1 = stride * np.repeat(np.arange(H_out), W_out)                # top row of each window
    j1 = stride * np.tile(np.arange(W_out), H_out)                  # left col of each window
    k = np.repeat(np.arange(C), kH * kW).reshape(-1, 1)
    return k, i0.reshape(-1, 1) + i1.reshape(1, -1), j0.reshape(-1, 1) + j1.reshape(1, -1), H_out, W_out


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    dtype = np.result_type(x, w) if b is None else np.result_type(x, w, b)
    B, C, H, W = x.shape
    F, _, kH, kW = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k, i, j, H_out, W_out = im2col_indices(C, H + 2 * pad, W + 2 * pad, kH, kW, stride)
    cols = xp[:, k, i, j]                                           # (B, C*kH*kW, H_out*W_out)
    out = w.reshape(F, -1).astype(np.float64) @ cols                # (B, F, H_out*W_out)
    if b is not None:
        out += b.astype(np.float64).reshape(1, F, 1)
    return out.reshape(B, F, H_out, W_out).astype(dtype)


def conv2d_backward(dout, x, w, stride=1, pad=0):
    dtype = np.result_type(dout, x, w)
    B, C, H, W = x.shape
    F, _, kH, kW = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k, i, j, H_out, W_out = im2col_indices(C, H + 2 * pad, W + 2 * pad, kH, kW, stride)
    cols = xp[:, k, i, j]                                           # (B, C*kH*kW, L)
    g = dout.astype(np.float64).reshape(B, F, -1)                   # (B, F, L)

    db = g.sum(axis=(0, 2))
    dw = np.einsum("bfl,bkl->fk", g, cols).reshape(w.shape)
    dcols = w.reshape(F, -1).astype(np.float64).T @ g               # (B, C*kH*kW, L)
    dxp = np.zeros_like(xp)
    np.add.at(dxp, (slice(None), k, i, j), dcols)
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    return dx.astype(dtype), dw.astype(dtype), db.astype(dtype)
