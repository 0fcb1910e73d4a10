import torch


def fused_add_rms_norm(x, residual, gamma, eps=1e-6):
    """(y, new_residual): new_residual = x + residual, y = rms_norm(new_residual, gamma, eps).

    x, residual: (..., d) tensors; gamma: (d,). new_residual in the promoted dtype of x and residual,
    y in that of x, residual and gamma. A row summing to zero gives y = 0. Inputs are not modified.
    """
    raise NotImplementedError


def fused_add_rms_norm_backward(dy, dresidual_out, x, residual, gamma, eps=1e-6):
    """Gradients of sum(dy * y) + sum(dresidual_out * new_residual), by hand -> (dx, dresidual, dgamma).

    dx and dresidual shaped like x (equal in value), dgamma (d,) summed over every leading dim.
    Finite for rows summing to zero. float32 in, float32 out; inputs are not modified (no in-place op).
    """
    raise NotImplementedError
