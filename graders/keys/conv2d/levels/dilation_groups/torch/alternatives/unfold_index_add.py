"""Windows from Tensor.unfold over the dilated span, every dilation-th tap kept, one grouped einsum; the
backward scatters the window gradients with index_add_ on flat positions. float64 inside."""

import torch
import torch.nn.functional as F


def conv2d_forward(x, w, b=None, stride=1, pad=0, dilation=1, groups=1):
    dtype = x.dtype
    B, C_in = x.shape[:2]
    C_out, C_group, kH, kW = w.shape
    if C_in % groups != 0 or C_out % groups != 0:
        raise ValueError("groups must divide C_in and C_out")
    windows = _windows(F.pad(x.double(), (pad, pad, pad, pad)), kH, kW, stride, dilation)
    H_out, W_out = windows.shape[2:4]
    windows = windows.reshape(B, groups, C_group, H_out, W_out, kH, kW)
    w_groups = w.double().reshape(groups, C_out // groups, C_group, kH, kW)
    out = torch.einsum("bgcpqij,gocij->bgopq", windows, w_groups).reshape(B, C_out, H_out, W_out)
    if b is not None:
        out = out + b.double().view(1, C_out, 1, 1)
    return out.to(dtype)


def _windows(x_pad, kH, kW, stride, dilation):
    """(B, C, H_pad, W_pad) -> (B, C, H_out, W_out, kH, kW): each window spans d(k-1)+1, every d-th tap kept."""
    span_h, span_w = dilation * (kH - 1) + 1, dilation * (kW - 1) + 1
    return x_pad.unfold(2, span_h, stride).unfold(3, span_w, stride)[..., ::dilation, ::dilation]


def _tap_positions(H_pad, W_pad, H_out, W_out, kH, kW, stride, dilation):
    """Flat index into (H_pad * W_pad) of every (p, q, i, j): (H_out, W_out, kH, kW)."""
    rows = (torch.arange(H_out) * stride)[:, None] + (torch.arange(kH) * dilation)[None, :]     # (H_out, kH)
    cols = (torch.arange(W_out) * stride)[:, None] + (torch.arange(kW) * dilation)[None, :]     # (W_out, kW)
    return rows[:, None, :, None] * W_pad + cols[None, :, None, :]


def conv2d_backward(dout, x, w, stride=1, pad=0, dilation=1, groups=1):
    dtype = x.dtype
    B, C_in, H, W = x.shape
    C_out, C_group, kH, kW = w.shape
    if C_in % groups != 0 or C_out % groups != 0:
        raise ValueError("groups must divide C_in and C_out")
    x_pad = F.pad(x.double(), (pad, pad, pad, pad))
    H_pad, W_pad = x_pad.shape[2:]
    H_out, W_out = dout.shape[2:]
    windows = _windows(x_pad, kH, kW, stride, dilation)[:, :, :H_out, :W_out]
    windows = windows.reshape(B, groups, C_group, H_out, W_out, kH, kW)
    d = dout.double().reshape(B, groups, C_out // groups, H_out, W_out)
    w_groups = w.double().reshape(groups, C_out // groups, C_group, kH, kW)

    dw = torch.einsum("bgopq,bgcpqij->gocij", d, windows).reshape(C_out, C_group, kH, kW)
    dwindows = torch.einsum("bgopq,gocij->bgcpqij", d, w_groups).reshape(B, C_in, -1)
    index = _tap_positions(H_pad, W_pad, H_out, W_out, kH, kW, stride, dilation).reshape(-1)
    dx_pad = torch.zeros(B, C_in, H_pad * W_pad, dtype=torch.float64).index_add_(2, index, dwindows)
    dx = dx_pad.view(B, C_in, H_pad, W_pad)[:, :, pad:pad + H, pad:pad + W]
    db = dout.double().sum(dim=(0, 2, 3))
    return dx.to(dtype), dw.to(dtype), db.to(dtype)
