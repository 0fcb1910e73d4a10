"""Groups as one full convolution with a block-diagonal weight (zeros between groups), windows from
sliding_window_view with the dilation as a step, float64 inside; dw is read back from the diagonal blocks."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _validate(C_in, C_out, groups):
    if C_in % groups != 0 or C_out % groups != 0:
        raise ValueError("groups must divide both the input and the output channels")


def _block_diagonal(w, C_in, groups):
    """(C_out, C_in/G, kH, kW) -> (C_out, C_in, kH, kW), zero outside each filter's group."""
    C_out, C_group = w.shape[:2]
    full = np.zeros((C_out, C_in) + w.shape[2:])
    per_group = C_out // groups
    for g in range(groups):
        full[g * per_group:(g + 1) * per_group, g * C_group:(g + 1) * C_group] = w[g * per_group:(g + 1) * per_group]
    return full


def _windows(x_pad, kH, kW, stride, dilation):
    """(B, C, H_pad, W_pad) -> (B, C, H_out, W_out, kH, kW), a strided view (no copy)."""
    span_h, span_w = dilation * (kH - 1) + 1, dilation * (kW - 1) + 1
    view = sliding_window_view(x_pad, (span_h, span_w), axis=(2, 3))    # (B, C, H_pad-span_h+1, ..., span_h, span_w)
    return view[:, :, ::stride, ::stride, ::dilation, ::dilation]


def conv2d_forward(x, w, b=None, stride=1, pad=0, dilation=1, groups=1):
    dtype = np.result_type(x, w) if b is None else np.result_type(x, w, b)
    C_in, (C_out, _, kH, kW) = x.shape[1], w.shape
    _validate(C_in, C_out, groups)
    x_pad = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = _windows(x_pad, kH, kW, stride, dilation)
    out = np.tensordot(windows, _block_diagonal(w.astype(np.float64), C_in, groups), axes=([1, 4, 5], [1, 2, 3]))
    out = out.transpose(0, 3, 1, 2)                                     # (B, C_out, H_out, W_out)
    if b is not None:
        out = out + b.astype(np.float64).reshape(1, -1, 1, 1)
    return out.astype(dtype)


def conv2d_backward(dout, x, w, stride=1, pad=0, dilation=1, groups=1):
    dtype = np.result_type(dout, x, w)
    (B, C_in, H, W), (C_out, C_group, kH, kW) = x.shape, w.shape
    _validate(C_in, C_out, groups)
    H_out, W_out = dout.shape[2:]
    d = dout.astype(np.float64)
    x_pad = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = _windows(x_pad, kH, kW, stride, dilation)[:, :, :H_out, :W_out]

    dw_full = np.tensordot(d, windows, axes=([0, 2, 3], [0, 2, 3]))     # (C_out, C_in, kH, kW)
    per_group = C_out // groups
    dw = np.concatenate([dw_full[g * per_group:(g + 1) * per_group, g * C_group:(g + 1) * C_group]
                         for g in range(groups)])                       # (C_out, C_group, kH, kW)

    dx_pad = np.zeros_like(x_pad)
    full = _block_diagonal(w.astype(np.float64), C_in, groups)
    for i in range(kH):
        for j in range(kW):
            contribution = np.tensordot(d, full[:, :, i, j], axes=([1], [0]))      # (B, H_out, W_out, C_in)
            r, c = i * dilation, j * dilation
            dx_pad[:, :, r:r + stride * H_out:stride, c:c + stride * W_out:stride] += contribution.transpose(0, 3, 1, 2)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx.astype(dtype), dw.astype(dtype), d.sum(axis=(0, 2, 3)).astype(dtype)
