"""Dilates the kernel with zeros (a (d(k-1)+1)-wide dense kernel), then loops over the output positions with
a grouped einsum on each window; dw keeps every dilation-th entry of the dense kernel's gradient. float64 inside."""

import torch
import torch.nn.functional as F


def dilate_kernel(w, dilation):
    """(O, C, kH, kW) -> (O, C, d(kH-1)+1, d(kW-1)+1) with w's taps `dilation` apart, zeros between."""
    O, C, kH, kW = w.shape
    dense = w.new_zeros((O, C, dilation * (kH - 1) + 1, dilation * (kW - 1) + 1))
    dense[:, :, ::dilation, ::dilation] = w
    return dense


def _validate(C_in, C_out, groups):
    if C_in % groups or C_out % groups:
        raise ValueError("groups must divide C_in and C_out")


def conv2d_forward(x, w, b=None, stride=1, pad=0, dilation=1, groups=1):
    B, C_in, H, W = x.shape
    C_out = w.shape[0]
    _validate(C_in, C_out, groups)
    dense = dilate_kernel(w.double(), dilation)
    sH, sW = dense.shape[2:]
    dense = dense.reshape(groups, C_out // groups, C_in // groups, sH, sW)     # (G, O_g, C_g, sH, sW)
    x_pad = F.pad(x.double(), (pad, pad, pad, pad))
    H_out, W_out = (H + 2 * pad - sH) // stride + 1, (W + 2 * pad - sW) // stride + 1
    out = torch.zeros(B, C_out, H_out, W_out, dtype=torch.float64)
    for p in range(H_out):
        for q in range(W_out):
            window = x_pad[:, :, p * stride:p * stride + sH, q * stride:q * stride + sW]
            window = window.reshape(B, groups, C_in // groups, sH, sW)
            out[:, :, p, q] = torch.einsum("bgcij,gocij->bgo", window, dense).reshape(B, C_out)
    if b is not None:
        out = out + b.double()[:, None, None]
    return out.to(x.dtype)


def conv2d_backward(dout, x, w, stride=1, pad=0, dilation=1, groups=1):
    B, C_in, H, W = x.shape
    C_out = w.shape[0]
    _validate(C_in, C_out, groups)
    dense = dilate_kernel(w.double(), dilation)
    sH, sW = dense.shape[2:]
    dense = dense.reshape(groups, C_out // groups, C_in // groups, sH, sW)
    x_pad = F.pad(x.double(), (pad, pad, pad, pad))
    g_out = dout.double().reshape(B, groups, C_out // groups, *dout.shape[2:])
    dx_pad, d_dense = torch.zeros_like(x_pad), torch.zeros_like(dense)
    for p in range(dout.shape[2]):
        for q in range(dout.shape[3]):
            rows, cols = slice(p * stride, p * stride + sH), slice(q * stride, q * stride + sW)
            window = x_pad[:, :, rows, cols].reshape(B, groups, C_in // groups, sH, sW)
            d_here = g_out[:, :, :, p, q]                                       # (B, G, O_g)
            d_dense += torch.einsum("bgo,bgcij->gocij", d_here, window)
            dx_pad[:, :, rows, cols] += torch.einsum("bgo,gocij->bgcij", d_here, dense).reshape(B, C_in, sH, sW)
    dw = d_dense.reshape(C_out, C_in // groups, sH, sW)[:, :, ::dilation, ::dilation]
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx.to(x.dtype), dw.to(x.dtype), dout.double().sum(dim=(0, 2, 3)).to(x.dtype)
