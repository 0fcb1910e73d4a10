"""Correct: Tensor.unfold windows + einsum, float64 inside; col2im as one index_add_ of every window
entry at its flat position in the padded input, so overlapping windows accumulate."""

import torch
import torch.nn.functional as F


def windows(a, kH, kW, stride):
    """(B, C, H, W) -> (B, C, H_out, W_out, kH, kW) views of every window, with the stride."""
    return a.unfold(2, kH, stride).unfold(3, kW, stride)


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    dtype = x.dtype
    kH, kW = w.shape[2:]
    xp = F.pad(x.double(), (pad, pad, pad, pad))
    out = torch.einsum("bchwij,ocij->bohw", windows(xp, kH, kW, stride), w.double())
    if b is not None:
        out = out + b.double()[:, None, None]
    return out.to(dtype)


def flat_window_index(H_pad, W_pad, kH, kW, stride, H_out, W_out):
    """(H_out, W_out, kH, kW) int64: the flat index into an (H_pad, W_pad) plane of each window entry."""
    top = torch.arange(H_out) * stride
    left = torch.arange(W_out) * stride
    rows = top[:, None, None, None] + torch.arange(kH)[None, None, :, None]     # (H_out, 1, kH, 1)
    cols = left[None, :, None, None] + torch.arange(kW)[None, None, None, :]    # (1, W_out, 1, kW)
    return rows * W_pad + cols


def conv2d_backward(dout, x, w, stride=1, pad=0):
    dtype = x.dtype
    dout, x, w = dout.double(), x.double(), w.double()
    B, C_in, H, W = x.shape
    kH, kW = w.shape[2:]
    H_out, W_out = dout.shape[2:]
    xp = F.pad(x, (pad, pad, pad, pad))
    H_pad, W_pad = xp.shape[2:]

    db = dout.sum(dim=(0, 2, 3))
    dw = torch.einsum("bchwij,bohw->ocij", windows(xp, kH, kW, stride), dout)
    dwin = torch.einsum("bohw,ocij->bchwij", dout, w)                           # (B, C_in, H_out, W_out, kH, kW)
    index = flat_window_index(H_pad, W_pad, kH, kW, stride, H_out, W_out).reshape(-1)
    dxp = torch.zeros(B, C_in, H_pad * W_pad, dtype=torch.float64)
    dxp.index_add_(2, index, dwin.reshape(B, C_in, -1))
    dx = dxp.reshape(B, C_in, H_pad, W_pad)[:, :, pad:pad + H, pad:pad + W]
    return dx.to(dtype), dw.to(dtype), db.to(dtype)
