"""Correct: channels-last im2col with as_strided (a 2-D patch matrix in (i, j, c) order) + matmul,
float64 inside; dx derived as a full correlation of the stride-dilated, (k-1)-padded dout with the
flipped kernel, its in and out channels swapped, placed in the padded grid (rows past the last
window stay zero) and cropped."""

import torch


def patches(a, kH, kW, stride):
    """(B, C, H, W) -> (B * H_out * W_out, kH * kW * C): one row per window, in (i, j, c) order."""
    a = a.permute(0, 2, 3, 1).contiguous()                                     # (B, H, W, C)
    B, H, W, C = a.shape
    H_out, W_out = (H - kH) // stride + 1, (W - kW) // stride + 1
    sB, sH, sW, sC = a.stride()
    view = a.as_strided((B, H_out, W_out, kH, kW, C), (sB, sH * stride, sW * stride, sH, sW, sC))
    return view.reshape(B * H_out * W_out, kH * kW * C), H_out, W_out


def kernel_rows(w):
    """(O, C, kH, kW) -> (O, kH * kW * C), in the (i, j, c) order of patches."""
    return w.permute(0, 2, 3, 1).reshape(w.shape[0], -1)


def correlate(a, w, stride):
    """Valid cross-correlation of a (B, C, H, W) with w (O, C, kH, kW), no bias: (B, O, H_out, W_out)."""
    O, _, kH, kW = w.shape
    rows, H_out, W_out = patches(a, kH, kW, stride)
    out = rows @ kernel_rows(w).T                                              # (B * H_out * W_out, O)
    return out.reshape(a.shape[0], H_out, W_out, O).permute(0, 3, 1, 2)


def zero_pad(a, top, bottom, left, right):
    B, C, H, W = a.shape
    out = a.new_zeros(B, C, H + top + bottom, W + left + right)
    out[:, :, top:top + H, left:left + W] = a
    return out


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    out = correlate(zero_pad(x.to(torch.float64), pad, pad, pad, pad), w.to(torch.float64), stride)
    if b is not None:
        out = out + b.to(torch.float64).reshape(1, -1, 1, 1)
    return out.to(x.dtype)


def conv2d_backward(dout, x, w, stride=1, pad=0):
    dtype = x.dtype
    dout, x, w = dout.to(torch.float64), x.to(torch.float64), w.to(torch.float64)
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    _, _, H_out, W_out = dout.shape
    xp = zero_pad(x, pad, pad, pad, pad)

    db = dout.sum(dim=(0, 2, 3))
    rows, _, _ = patches(xp, kH, kW, stride)                                   # (B * H_out * W_out, kH * kW * C_in)
    dw = dout.permute(1, 0, 2, 3).reshape(C_out, -1) @ rows                   # (C_out, kH * kW * C_in)
    dw = dw.reshape(C_out, kH, kW, C_in).permute(0, 3, 1, 2)                   # (C_out, C_in, kH, kW)

    dilated = dout.new_zeros(B, C_out, (H_out - 1) * stride + 1, (W_out - 1) * stride + 1)
    dilated[:, :, ::stride, ::stride] = dout
    dilated = zero_pad(dilated, kH - 1, kH - 1, kW - 1, kW - 1)
    reached = correlate(dilated, w.flip(2, 3).transpose(0, 1), 1)             # (B, C_in, (H_out-1)*s + kH, ...)
    dxp = torch.zeros_like(xp)
    dxp[:, :, :reached.shape[2], :reached.shape[3]] = reached
    return dxp[:, :, pad:pad + H, pad:pad + W].to(dtype), dw.to(dtype), db.to(dtype)
