import numpy as np


def layer_norm(x, gamma, beta, eps=1e-5):
    """LayerNorm over the last axis: y = (x - mean) / sqrt(var + eps) * gamma + beta.

    x: (..., d), any number of leading axes (none included); gamma, beta: (d,).
    mean and var are taken over the last axis; var is the biased variance (divide by d);
    eps goes inside the square root. A constant row (var 0) gives y = beta. float64 rows far
    from the origin (mean 1e4, spread 1) stay accurate to about 1e-9 relative.
    Returns y with x's shape, in np.result_type(x, gamma, beta) (float32 in, float32 out).
    Inputs are not modified; no RuntimeWarning.
    """
    raise NotImplementedError


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    """Gradients of sum(dy * layer_norm(x, gamma, beta, eps)).

    dy, x: (..., d); gamma: (d,). Returns (dx, dgamma, dbeta): dx with x's shape, dgamma and
    dbeta (d,), summed over every leading axis. Finite for constant rows and for d == 1.
    float32 in, float32 out; inputs are not modified; no RuntimeWarning.
    """
    raise NotImplementedError


def rms_norm(x, gamma, eps=1e-6):
    """RMSNorm over the last axis: y = x / sqrt(mean(x**2) + eps) * gamma (no mean subtraction).

    x: (..., d); gamma: (d,). Returns y with x's shape, in np.result_type(x, gamma).
    An all-zero row gives y = 0. Inputs are not modified; no RuntimeWarning.
    """
    raise NotImplementedError


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    """Gradients of sum(dy * rms_norm(x, gamma, eps)).

    dy, x: (..., d); gamma: (d,). Returns (dx, dgamma): dx with x's shape, dgamma (d,) summed
    over every leading axis. Finite for all-zero rows. float32 in, float32 out; inputs are not
    modified; no RuntimeWarning.
    """
    raise NotImplementedError
