"""Reference PyTorch solution of the `conv2d` kata: the NumPy reference's contract, in tensors.

Cross-correlation as in torch.nn.functional.conv2d (the kernel is not flipped), NCHW layout, the same
integer stride and zero padding on both spatial axes. Computes in float64 and returns the inputs'
floating dtype (float32 in, float32 out). The backward is written by hand (no autograd).

im2col by slicing: one strided slice of the padded input per kernel offset (kH * kW Python
iterations), then a single tensordot; the backward scatters the column gradients back with the same
slices (col2im), adding where windows overlap. Inputs are never modified.
"""

import torch
import torch.nn.functional as F


def _float_dtype(*tensors):
    """The dtype the outputs keep: the promoted dtype of the inputs, float64 if it is not floating."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype if dtype.is_floating_point else torch.float64


def output_size(size, kernel, stride, pad):
    """Number of window positions along one axis: floor((size + 2 pad - kernel) / stride) + 1."""
    return (size + 2 * pad - kernel) // stride + 1


def _pad(x, pad):
    """Zero-pad the two spatial axes of (B, C, H, W) by `pad` on every side (always a new tensor).
    F.pad's tuple runs from the last axis backwards: (left, right, top, bottom)."""
    return F.pad(x, (pad, pad, pad, pad))


def _window_slices(i, j, stride, H_out, W_out):
    """The padded-input rows/cols that kernel offset (i, j) meets, one per output position."""
    return slice(i, i + stride * H_out, stride), slice(j, j + stride * W_out, stride)


def im2col(x_pad, kH, kW, stride, H_out, W_out):
    """cols[b, c, i, j, p, q] = x_pad[b, c, p * stride + i, q * stride + j].

    x_pad: (B, C, H_pad, W_pad) -> (B, C, kH, kW, H_out, W_out). Rows/cols of x_pad past the last
    window (a remainder under the stride) are never read."""
    B, C = x_pad.shape[:2]
    cols = x_pad.new_empty((B, C, kH, kW, H_out, W_out))
    for i in range(kH):
        for j in range(kW):
            rows, columns = _window_slices(i, j, stride, H_out, W_out)
            cols[:, :, i, j] = x_pad[:, :, rows, columns]                # (B, C, H_out, W_out)
    return cols


def col2im(dcols, padded_shape, stride):
    """The adjoint of im2col: adds dcols (B, C, kH, kW, H_out, W_out) back onto a zero tensor of
    padded_shape (B, C, H_pad, W_pad); overlapping windows add up, unread rows/cols stay 0."""
    _, _, kH, kW, H_out, W_out = dcols.shape
    dx_pad = dcols.new_zeros(padded_shape)
    for i in range(kH):
        for j in range(kW):
            rows, columns = _window_slices(i, j, stride, H_out, W_out)
            dx_pad[:, :, rows, columns] += dcols[:, :, i, j]            # (B, C, H_out, W_out)
    return dx_pad


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    """out[b, o, p, q] = sum_{c, i, j} x_pad[b, c, p*stride + i, q*stride + j] * w[o, c, i, j] + b[o].

    x: (B, C_in, H, W); w: (C_out, C_in, kH, kW); b: (C_out,) or None.
    Returns (B, C_out, H_out, W_out), H_out = floor((H + 2 pad - kH) / stride) + 1 (W_out alike)."""
    dtype = _float_dtype(x, w) if b is None else _float_dtype(x, w, b)
    x64, w64 = x.to(torch.float64), w.to(torch.float64)
    (_, _, H, W), (_, _, kH, kW) = x64.shape, w64.shape
    H_out, W_out = output_size(H, kH, stride, pad), output_size(W, kW, stride, pad)

    cols = im2col(_pad(x64, pad), kH, kW, stride, H_out, W_out)         # (B, C_in, kH, kW, H_out, W_out)
    out = torch.tensordot(cols, w64, dims=([1, 2, 3], [1, 2, 3]))       # (B, H_out, W_out, C_out)
    out = out.permute(0, 3, 1, 2)                                       # (B, C_out, H_out, W_out)
    if b is not None:
        out = out + b.to(torch.float64)[None, :, None, None]
    return out.to(dtype)


def conv2d_backward(dout, x, w, stride=1, pad=0):
    """Gradients of sum(dout * conv2d_forward(x, w, b, stride, pad)).

    dout: (B, C_out, H_out, W_out); x: (B, C_in, H, W); w: (C_out, C_in, kH, kW).
    Returns dx (B, C_in, H, W), dw (C_out, C_in, kH, kW), db (C_out,) = dout summed over
    (B, H_out, W_out). Input rows/cols no window reaches get a zero gradient."""
    dtype = _float_dtype(dout, x, w)
    dout64, x64, w64 = dout.to(torch.float64), x.to(torch.float64), w.to(torch.float64)
    (_, _, H, W), (_, _, kH, kW) = x64.shape, w64.shape
    H_out, W_out = dout64.shape[2:]

    x_pad = _pad(x64, pad)                                              # (B, C_in, H_pad, W_pad)
    cols = im2col(x_pad, kH, kW, stride, H_out, W_out)                  # (B, C_in, kH, kW, H_out, W_out)

    db = dout64.sum(dim=(0, 2, 3))                                      # (C_out,)
    dw = torch.tensordot(dout64, cols, dims=([0, 2, 3], [0, 4, 5]))     # (C_out, C_in, kH, kW)
    dcols = torch.tensordot(w64, dout64, dims=([0], [1]))               # (C_in, kH, kW, B, H_out, W_out)
    dcols = dcols.permute(3, 0, 1, 2, 4, 5)                             # (B, C_in, kH, kW, H_out, W_out)
    dx_pad = col2im(dcols, x_pad.shape, stride)                         # (B, C_in, H_pad, W_pad)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]                         # (B, C_in, H, W)
    return dx.to(dtype), dw.to(dtype), db.to(dtype)
