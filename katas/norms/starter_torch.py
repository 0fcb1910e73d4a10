import torch


def layer_norm(x, gamma, beta, eps=1e-5):
    """LayerNorm over the last dim: y = (x - mean) / sqrt(var + eps) * gamma + beta.

    x: (..., d) torch.Tensor on the CPU, any number of leading dims (none included); gamma, beta: (d,).
    mean and var are taken over the last dim; var is the biased variance (divide by d, not torch's
    default d - 1); eps goes inside the square root. A constant row (var 0) gives y = beta. float64
    rows far from the origin (mean 1e4, spread 1) stay accurate to about 1e-9 relative.
    Returns y with x's shape, in the promoted dtype of x, gamma and beta (float32 in, float32 out;
    float32 x with float64 gamma gives float64). Inputs are not modified (no in-place op on them).
    Not allowed: F.layer_norm, nn.LayerNorm and the other norm layers, autograd (see the prompt).
    """
    raise NotImplementedError


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    """Gradients of sum(dy * layer_norm(x, gamma, beta, eps)), by hand (no autograd).

    dy, x: (..., d) tensors; gamma: (d,). Returns a tuple (dx, dgamma, dbeta): dx with x's shape,
    dgamma and dbeta (d,), summed over every leading dim (also for a 1-D x, where there is none).
    Finite for constant rows and for d == 1. float32 in, float32 out; inputs are not modified.
    """
    raise NotImplementedError


def rms_norm(x, gamma, eps=1e-6):
    """RMSNorm over the last dim: y = x / sqrt(mean(x**2) + eps) * gamma (no mean subtraction).

    x: (..., d) tensor; gamma: (d,). Returns y with x's shape, in the promoted dtype of x and gamma.
    An all-zero row gives y = 0. eps defaults to 1e-6 (not nn.RMSNorm's machine epsilon).
    Inputs are not modified. Not allowed: F.rms_norm, nn.RMSNorm.
    """
    raise NotImplementedError


def rms_norm_backward(dy, x, gamma, eps=1e-6):
    """Gradients of sum(dy * rms_norm(x, gamma, eps)), by hand (no autograd).

    dy, x: (..., d) tensors; gamma: (d,). Returns a tuple (dx, dgamma): dx with x's shape, dgamma (d,)
    summed over every leading dim. Finite for all-zero rows. float32 in, float32 out; inputs are not
    modified.
    """
    raise NotImplementedError
