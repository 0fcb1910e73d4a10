"""col2im with scatter_ instead of scatter_add_: where windows overlap, one write wins instead of the sum."""

import torch
import torch.nn.functional as F


def im2col(x_pad, kH, kW, stride):
    """(B, C, H_pad, W_pad) -> cols (B * H_out * W_out, C * kH * kW), one row per window."""
    patches = x_pad.unfold(2, kH, stride).unfold(3, kW, stride)        # (B, C, H_out, W_out, kH, kW)
    B, C, H_out, W_out = patches.shape[:4]
    cols = patches.permute(0, 2, 3, 1, 4, 5).reshape(B * H_out * W_out, C * kH * kW)
    return cols, H_out, W_out


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    B = x.shape[0]
    C_out, C_in, kH, kW = w.shape
    x_pad = F.pad(x, (pad, pad, pad, pad))
    cols, H_out, W_out = im2col(x_pad, kH, kW, stride)
    out = cols @ w.reshape(C_out, -1).T                                 # (B * H_out * W_out, C_out)
    out = out.reshape(B, H_out, W_out, C_out).permute(0, 3, 1, 2)       # (B, C_out, H_out, W_out)
    if b is not None:
        out = out + b.view(1, C_out, 1, 1)
    return out


def col2im(dcols, x_pad_shape, kH, kW, stride, H_out, W_out):
    """Adds each window's gradient back where it was read; overlapping windows add up."""
    B, C = x_pad_shape[:2]
    H_pad, W_pad = x_pad_shape[2:]
    dpatches = dcols.reshape(B, H_out, W_out, C, kH, kW).permute(0, 3, 1, 2, 4, 5)   # (B, C, H_out, W_out, kH, kW)
    rows = (torch.arange(H_out) * stride)[:, None, None, None] + torch.arange(kH)[None, None, :, None]
    cols = (torch.arange(W_out) * stride)[None, :, None, None] + torch.arange(kW)[None, None, None, :]
    index = (rows * W_pad + cols).reshape(1, 1, -1).expand(B, C, -1)                # flat position of each entry
    dx_flat = torch.zeros(B, C, H_pad * W_pad, dtype=dcols.dtype)
    dx_flat.scatter_(2, index, dpatches.reshape(B, C, -1))
    return dx_flat.reshape(x_pad_shape)


def conv2d_backward(dout, x, w, stride=1, pad=0):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    x_pad = F.pad(x, (pad, pad, pad, pad))
    cols, H_out, W_out = im2col(x_pad, kH, kW, stride)
    dout_mat = dout.permute(0, 2, 3, 1).reshape(-1, C_out)              # (B * H_out * W_out, C_out)

    db = dout.sum(dim=(0, 2, 3))
    dw = (dout_mat.T @ cols).reshape(w.shape)                           # (C_out, C_in * kH * kW)
    dcols = dout_mat @ w.reshape(C_out, -1)                             # (B * H_out * W_out, C_in * kH * kW)
    dx_pad = col2im(dcols, x_pad.shape, kH, kW, stride, H_out, W_out)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db
