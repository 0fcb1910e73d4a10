"""Reference solution of the conv2d level `dilation_groups` (NumPy): conv2d_forward and conv2d_backward
with `dilation` and `groups`, as torch.nn.functional.conv2d(stride, padding, dilation, groups).

Tap (i, j) of output (p, q) reads the padded input at (p*stride + i*dilation, q*stride + j*dilation);
group g's C_out/groups filters see only input channels g*C_in/groups .. (g+1)*C_in/groups - 1.
im2col by slicing (one strided slice per kernel tap), then one batched matmul per group axis (no Python
loop over the groups). Computes in float64 and returns the inputs' floating dtype.
"""

import numpy as np


def _float_dtype(*arrays):
    """The dtype the outputs keep: the result type of the inputs, float64 if none is floating."""
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def output_size(size, kernel, stride, pad, dilation):
    """floor((size + 2 pad - dilation (kernel - 1) - 1) / stride) + 1 window positions along one axis."""
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def check_groups(C_in, C_out, groups):
    if groups < 1 or C_in % groups or C_out % groups:
        raise ValueError(f"groups={groups} must divide both C_in={C_in} and C_out={C_out}")


def _pad(x, pad):
    """Zero-pad the two spatial axes of (B, C, H, W) by `pad` on every side (always a copy)."""
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def _tap_slices(i, j, stride, dilation, H_out, W_out):
    """The padded-input rows/cols that kernel tap (i, j) meets, one per output position."""
    top, left = i * dilation, j * dilation
    return slice(top, top + stride * H_out, stride), slice(left, left + stride * W_out, stride)


def im2col(x_pad, kH, kW, stride, dilation, H_out, W_out):
    """cols[b, c, i, j, p, q] = x_pad[b, c, p*stride + i*dilation, q*stride + j*dilation]:
    (B, C, H_pad, W_pad) -> (B, C, kH, kW, H_out, W_out)."""
    B, C = x_pad.shape[:2]
    cols = np.empty((B, C, kH, kW, H_out, W_out), dtype=x_pad.dtype)
    for i in range(kH):
        for j in range(kW):
            rows, columns = _tap_slices(i, j, stride, dilation, H_out, W_out)
            cols[:, :, i, j] = x_pad[:, :, rows, columns]                    # (B, C, H_out, W_out)
    return cols


def col2im(dcols, padded_shape, stride, dilation):
    """The adjoint of im2col: adds dcols (B, C, kH, kW, H_out, W_out) onto zeros of padded_shape;
    taps that meet the same input position add up, positions no tap reads stay 0."""
    _, _, kH, kW, H_out, W_out = dcols.shape
    dx_pad = np.zeros(padded_shape, dtype=dcols.dtype)
    for i in range(kH):
        for j in range(kW):
            rows, columns = _tap_slices(i, j, stride, dilation, H_out, W_out)
            dx_pad[:, :, rows, columns] += dcols[:, :, i, j]                # (B, C, H_out, W_out)
    return dx_pad


def conv2d_forward(x, w, b=None, stride=1, pad=0, dilation=1, groups=1):
    """out[n, o, p, q] = sum_{c, i, j} x_pad[n, g*C_in/groups + c, p*s + i*d, q*s + j*d] * w[o, c, i, j] + b[o]
    with g = o // (C_out/groups). x (B, C_in, H, W), w (C_out, C_in/groups, kH, kW), b (C_out,) or None."""
    dtype = _float_dtype(x, w) if b is None else _float_dtype(x, w, b)
    x64, w64 = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    (B, C_in, H, W), (C_out, C_group, kH, kW) = x64.shape, w64.shape
    check_groups(C_in, C_out, groups)
    H_out, W_out = output_size(H, kH, stride, pad, dilation), output_size(W, kW, stride, pad, dilation)

    cols = im2col(_pad(x64, pad), kH, kW, stride, dilation, H_out, W_out)   # (B, C_in, kH, kW, H_out, W_out)
    cols = cols.reshape(B, groups, C_group * kH * kW, H_out * W_out)        # (B, G, C_group*kH*kW, P)
    w_groups = w64.reshape(groups, C_out // groups, C_group * kH * kW)      # (G, C_out/G, C_group*kH*kW)
    out = (w_groups @ cols).reshape(B, C_out, H_out, W_out)                 # (B, G, C_out/G, P) -> NCHW
    if b is not None:
        out = out + np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out.astype(dtype)


def conv2d_backward(dout, x, w, stride=1, pad=0, dilation=1, groups=1):
    """Gradients of sum(dout * conv2d_forward(x, w, b, stride, pad, dilation, groups)): (dx, dw, db) shaped
    like x, w and (C_out,); db is dout summed over (B, H_out, W_out)."""
    dtype = _float_dtype(dout, x, w)
    dout64 = np.asarray(dout, dtype=np.float64)
    x64, w64 = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    (B, C_in, H, W), (C_out, C_group, kH, kW) = x64.shape, w64.shape
    check_groups(C_in, C_out, groups)
    H_out, W_out = dout64.shape[2:]

    x_pad = _pad(x64, pad)                                                  # (B, C_in, H_pad, W_pad)
    cols = im2col(x_pad, kH, kW, stride, dilation, H_out, W_out)            # (B, C_in, kH, kW, H_out, W_out)
    cols = cols.reshape(B, groups, C_group * kH * kW, H_out * W_out)        # (B, G, K, P)
    dout_groups = dout64.reshape(B, groups, C_out // groups, H_out * W_out)  # (B, G, C_out/G, P)
    w_groups = w64.reshape(groups, C_out // groups, C_group * kH * kW)      # (G, C_out/G, K)

    db = dout64.sum(axis=(0, 2, 3))                                         # (C_out,)
    dw = (dout_groups @ cols.transpose(0, 1, 3, 2)).sum(axis=0)             # (G, C_out/G, K)
    dcols = w_groups.transpose(0, 2, 1) @ dout_groups                       # (B, G, K, P)
    dcols = dcols.reshape(B, C_in, kH, kW, H_out, W_out)
    dx_pad = col2im(dcols, x_pad.shape, stride, dilation)                   # (B, C_in, H_pad, W_pad)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]                             # (B, C_in, H, W)
    return dx.astype(dtype), dw.reshape(w64.shape).astype(dtype), db.astype(dtype)
