"""The backward calls .double() on its inputs for accuracy and never casts back: float32 in, float64 gradients out."""

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
    dpatches = dcols.reshape(B, H_out, W_out, C, kH, kW)
    dx_pad = torch.zeros(x_pad_shape, dtype=dcols.dtype)
    for i in range(kH):
        for j in range(kW):
            dx_pad[:, :, i:i + stride * H_out:stride, j:j + stride * W_out:stride] += dpatches[..., i, j].permute(0, 3, 1, 2)
    return dx_pad


def conv2d_backward(dout, x, w, stride=1, pad=0):
    dout, x, w = dout.double(), x.double(), w.double()
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
