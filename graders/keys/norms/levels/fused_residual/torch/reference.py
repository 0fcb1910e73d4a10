"""Reference PyTorch solution of the norms kata's level `fused_residual`: the NumPy reference's contract,
in tensors, the backward by hand. new_residual keeps the promoted dtype of x and residual, y that of x,
residual and gamma; the rows are flattened to (N, d) before dgamma is summed over dim 0 (`sum(dim=())`
on a 1-D input would sum over every dim). Inputs are never modified.
"""

import functools

import torch


def _float_dtype(*tensors):
    """The dtype the outputs keep: the promoted dtype of the inputs, float64 if none is floating."""
    dtype = functools.reduce(torch.promote_types, (t.dtype for t in tensors))
    return dtype if dtype.is_floating_point else torch.float64


def _rms_norm_stats(h, eps):
    """h (..., d) float64 -> (hhat (..., d), rrms (..., 1)), hhat = h * rrms; no mean subtracted."""
    rrms = 1.0 / torch.sqrt((h * h).mean(dim=-1, keepdim=True) + eps)   # (..., 1) eps inside the root
    return h * rrms, rrms


def fused_add_rms_norm(x, residual, gamma, eps=1e-6):
    """(y, new_residual): new_residual = x + residual, y = new_residual / sqrt(mean(new_residual^2) + eps) * gamma."""
    new_residual = x + residual                                           # (..., d) promoted dtype of the two
    hhat, _ = _rms_norm_stats(new_residual.double(), eps)                 # (..., d) from the stream as returned
    y = hhat * gamma.double()
    return y.to(_float_dtype(x, residual, gamma)), new_residual


def fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, eps=1e-6):
    """Gradients of sum(dy * y) + sum(dresidual_out * new_residual) -> (dx, dresidual, dgamma (d,)).

    With h = x + residual, g = dy * gamma, per row: dh = dresidual_out + rrms * (g - hhat * mean(g * hhat)),
    and dx = dresidual = dh."""
    dtype = _float_dtype(dy, dresidual_out, x, residual, gamma)
    dy64, dres64, gamma64 = (t.double() for t in (dy, dresidual_out, gamma))
    hhat, rrms = _rms_norm_stats((x + residual).double(), eps)            # (..., d), (..., 1) from the forward's stream
    g = dy64 * gamma64                                                    # (..., d) gradient w.r.t. hhat
    dh = dres64 + rrms * (g - hhat * (g * hhat).mean(dim=-1, keepdim=True))
    dgamma = (dy64 * hhat).reshape(-1, hhat.shape[-1]).sum(dim=0)         # (N, d) -> (d,)
    return dh.to(dtype), dh.to(dtype).clone(), dgamma.to(dtype)
