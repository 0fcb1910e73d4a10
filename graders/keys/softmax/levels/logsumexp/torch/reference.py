"""PyTorch reference of the softmax kata's level `logsumexp`: the NumPy reference's contract, in tensors.

float64 inside, the input's float dtype out; the shift is each slice's max where it is finite, 0
elsewhere (an all -inf slice, a slice with +inf), so no inf - inf (NaN) is ever formed.
"""

import torch


def logsumexp(x, axis=-1):
    """log(sum(exp(x))) along dimension `axis`, that dimension removed; x's float dtype."""
    dtype = x.dtype if x.is_floating_point() else torch.float64
    z = x.to(torch.float64)
    m = z.amax(dim=axis, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    out = torch.log(torch.exp(z - m).sum(dim=axis, keepdim=True)) + m
    return out.squeeze(axis).to(dtype)
