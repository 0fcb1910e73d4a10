"""Pads by pad * dilation (the 'same' padding of a dilated kernel), but torch's padding is not scaled by the dilation."""

import numpy as np


def _check_groups(C_in, C_out, groups):
    if C_in % groups or C_out % groups:
        raise ValueError(f"groups={groups} must divide C_in={C_in} and C_out={C_out}")


def _out_size(size, kernel, stride, pad, dilation):
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def _pad(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def _dilated_pad(pad, dilation):
    return pad * dilation                   # the padding grows with the kernel's span


def _tap(i, j, stride, dilation, H_out, W_out):
    """Rows and cols of the padded input that tap (i, j) reads, one per output position."""
    return (slice(i * dilation, i * dilation + stride * H_out, stride),
            slice(j * dilation, j * dilation + stride * W_out, stride))


def _cols(x_pad, kH, kW, stride, dilation, H_out, W_out):
    """(B, C, H_pad, W_pad) -> (B, C, kH, kW, H_out, W_out)."""
    rows = [np.stack([x_pad[(..., *_tap(i, j, stride, dilation, H_out, W_out))] for j in range(kW)], axis=2)
            for i in range(kH)]                                             # kH x (B, C, kW, H_out, W_out)
    return np.stack(rows, axis=2)


def conv2d_forward(x, w, b=None, stride=1, pad=0, dilation=1, groups=1):
    (B, C_in, H, W), (C_out, C_group, kH, kW) = x.shape, w.shape
    _check_groups(C_in, C_out, groups)
    pad = _dilated_pad(pad, dilation)
    per_group = C_out // groups
    H_out, W_out = _out_size(H, kH, stride, pad, dilation), _out_size(W, kW, stride, pad, dilation)
    cols = _cols(_pad(x, pad), kH, kW, stride, dilation, H_out, W_out)
    outs = []
    for g in range(groups):
        cols_g = cols[:, g * C_group:(g + 1) * C_group]                     # (B, C_group, kH, kW, H_out, W_out)
        w_g = w[g * per_group:(g + 1) * per_group]                          # (per_group, C_group, kH, kW)
        outs.append(np.einsum("bcijpq,ocij->bopq", cols_g, w_g))
    out = np.concatenate(outs, axis=1)                                      # (B, C_out, H_out, W_out)
    if b is not None:
        out = out + b[None, :, None, None]
    return out


def conv2d_backward(dout, x, w, stride=1, pad=0, dilation=1, groups=1):
    (B, C_in, H, W), (C_out, C_group, kH, kW) = x.shape, w.shape
    _check_groups(C_in, C_out, groups)
    pad = _dilated_pad(pad, dilation)
    per_group = C_out // groups
    H_out, W_out = dout.shape[2:]
    x_pad = _pad(x, pad)
    cols = _cols(x_pad, kH, kW, stride, dilation, H_out, W_out)
    dw, dcols = np.empty_like(w), np.empty_like(cols)
    for g in range(groups):
        ins, outs = slice(g * C_group, (g + 1) * C_group), slice(g * per_group, (g + 1) * per_group)
        dw[outs] = np.einsum("bopq,bcijpq->ocij", dout[:, outs], cols[:, ins])
        dcols[:, ins] = np.einsum("bopq,ocij->bcijpq", dout[:, outs], w[outs])
    dx_pad = np.zeros_like(x_pad)
    for i in range(kH):
        for j in range(kW):
            dx_pad[(..., *_tap(i, j, stride, dilation, H_out, W_out))] += dcols[:, :, i, j]
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, dout.sum(axis=(0, 2, 3))
