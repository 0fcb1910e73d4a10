import torch


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    """2-D convolution forward pass, NCHW, as torch.nn.functional.conv2d computes it (which you may not call).

    x: (B, C_in, H, W) tensor; w: (C_out, C_in, kH, kW) tensor; b: (C_out,) tensor or None (no bias).
    stride, pad: ints, the same on both spatial axes; pad adds that many zeros on every side.
    Returns out (B, C_out, H_out, W_out) with H_out = floor((H + 2*pad - kH) / stride) + 1
    (W_out alike) and, with x_pad the padded x,
        out[n, o, p, q] = sum_{c, i, j} x_pad[n, c, p*stride + i, q*stride + j] * w[o, c, i, j] + b[o]
    (cross-correlation: the kernel is NOT flipped). float32 in, float32 out; a CPU tensor that does
    not require grad; inputs not modified (no in-place op on them).
    """
    raise NotImplementedError


def conv2d_backward(dout, x, w, stride=1, pad=0):
    """Gradients of sum(dout * conv2d_forward(x, w, b, stride, pad)) for upstream gradient dout, by hand
    (no autograd: .backward(), torch.autograd, torch.func and requires_grad_ are not allowed).

    dout: (B, C_out, H_out, W_out) tensor; x, w, stride, pad as in the forward.
    Returns a tuple (dx, dw, db): dx (B, C_in, H, W), dw (C_out, C_in, kH, kW), db (C_out,) = dout
    summed over (B, H_out, W_out). Input rows/cols that no window reads (left over by the stride) get
    zero gradient. float32 in, float32 out; inputs not modified.
    """
    raise NotImplementedError
