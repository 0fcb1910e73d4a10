"""Correct: Python loops over the output positions only (H_out * W_out iterations), each a matmul of
the (B, C_in * kH * kW) window against the flattened kernel; the backward adds each window's
gradient back into a padded buffer. Arithmetic in the input dtype."""

import torch


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out = (H + 2 * pad - kH) // stride + 1
    W_out = (W + 2 * pad - kW) // stride + 1
    xp = torch.nn.functional.pad(x, (pad, pad, pad, pad))
    w_flat = w.reshape(C_out, -1)                                             # (C_out, C_in * kH * kW)
    out = torch.empty(B, C_out, H_out, W_out, dtype=x.dtype)
    for p in range(H_out):
        for q in range(W_out):
            window = xp[:, :, p * stride:p * stride + kH, q * stride:q * stride + kW]   # (B, C_in, kH, kW)
            out[:, :, p, q] = window.reshape(B, -1) @ w_flat.T
    if b is not None:
        out = out + b[:, None, None]
    return out


def conv2d_backward(dout, x, w, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out, W_out = dout.shape[2:]
    xp = torch.nn.functional.pad(x, (pad, pad, pad, pad))
    w_flat = w.reshape(C_out, -1)
    dxp = torch.zeros(xp.shape, dtype=x.dtype)
    dw_flat = torch.zeros(C_out, C_in * kH * kW, dtype=x.dtype)
    for p in range(H_out):
        for q in range(W_out):
            rows = slice(p * stride, p * stride + kH)
            cols = slice(q * stride, q * stride + kW)
            g = dout[:, :, p, q]                                                # (B, C_out)
            dw_flat += g.T @ xp[:, :, rows, cols].reshape(B, -1)
            dxp[:, :, rows, cols] += (g @ w_flat).reshape(B, C_in, kH, kW)
    db = dout.sum(dim=(0, 2, 3))
    return dxp[:, :, pad:pad + H, pad:pad + W].clone(), dw_flat.reshape(w.shape), db
