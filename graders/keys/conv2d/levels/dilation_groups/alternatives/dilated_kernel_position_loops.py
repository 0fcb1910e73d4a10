"""Dilates the kernel with zeros (a (d(k-1)+1)-wide dense kernel), then loops over the output positions with
a grouped einsum on each window; dw keeps every dilation-th entry of the dense kernel's gradient."""

import numpy as np


def dilate_kernel(w, dilation):
    """(O, C, kH, kW) -> (O, C, d(kH-1)+1, d(kW-1)+1) with w's taps `dilation` apart, zeros between."""
    O, C, kH, kW = w.shape
    dense = np.zeros((O, C, dilation * (kH - 1) + 1, dilation * (kW - 1) + 1), dtype=w.dtype)
    dense[:, :, ::dilation, ::dilation] = w
    return dense


def conv2d_forward(x, w, b=None, stride=1, pad=0, dilation=1, groups=1):
    B, C_in, H, W = x.shape
    C_out = w.shape[0]
    if C_in % groups or C_out % groups:
        raise ValueError("groups must divide C_in and C_out")
    dtype = np.result_type(x, w) if b is None else np.result_type(x, w, b)
    dense = dilate_kernel(w.astype(np.float64), dilation)
    sH, sW = dense.shape[2:]
    dense = dense.reshape(groups, C_out // groups, C_in // groups, sH, sW)     # (G, O_g, C_g, sH, sW)
    x_pad = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    H_out, W_out = (H + 2 * pad - sH) // stride + 1, (W + 2 * pad - sW) // stride + 1
    out = np.zeros((B, C_out, H_out, W_out))
    for p in range(H_out):
        for q in range(W_out):
            window = x_pad[:, :, p * stride:p * stride + sH, q * stride:q * stride + sW]
            window = window.reshape(B, groups, C_in // groups, sH, sW)
            out[:, :, p, q] = np.einsum("bgcij,gocij->bgo", window, dense).reshape(B, C_out)
    if b is not None:
        out += b.astype(np.float64)[:, None, None]
    return out.astype(dtype)


def conv2d_backward(dout, x, w, stride=1, pad=0, dilation=1, groups=1):
    B, C_in, H, W = x.shape
    C_out = w.shape[0]
    if C_in % groups or C_out % groups:
        raise ValueError("groups must divide C_in and C_out")
    dtype = np.result_type(dout, x, w)
    dense = dilate_kernel(w.astype(np.float64), dilation)
    sH, sW = dense.shape[2:]
    dense = dense.reshape(groups, C_out // groups, C_in // groups, sH, sW)
    x_pad = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    g_out = dout.astype(np.float64).reshape(B, groups, C_out // groups, *dout.shape[2:])
    dx_pad, d_dense = np.zeros_like(x_pad), np.zeros_like(dense)
    for p in range(dout.shape[2]):
        for q in range(dout.shape[3]):
            rows, cols = slice(p * stride, p * stride + sH), slice(q * stride, q * stride + sW)
            window = x_pad[:, :, rows, cols].reshape(B, groups, C_in // groups, sH, sW)
            d_here = g_out[:, :, :, p, q]                                       # (B, G, O_g)
            d_dense += np.einsum("bgo,bgcij->gocij", d_here, window)
            dx_pad[:, :, rows, cols] += np.einsum("bgo,gocij->bgcij", d_here, dense).reshape(B, C_in, sH, sW)
    dw = d_dense.reshape(C_out, C_in // groups, sH, sW)[:, :, ::dilation, ::dilation]
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx.astype(dtype), dw.astype(dtype), dout.astype(np.float64).sum(axis=(0, 2, 3)).astype(dtype)
