"""Alternative: lr_at from NumPy (np.interp for the warmup ramp, np.clip for the decay's progress), and
the scheduler as LambdaLR over the ratio lr_at(t) / lr_at(warmup_steps), the top of the schedule."""

import numpy as np
import torch


def lr_at(step, max_lr, min_lr, warmup_steps, max_steps):
    if step < warmup_steps:
        return float(np.interp(step, [0, warmup_steps], [0.0, max_lr]))
    progress = np.clip((step - warmup_steps) / (max_steps - warmup_steps), 0.0, 1.0)
    return float(min_lr + (max_lr - min_lr) * (np.cos(np.pi * progress) + 1.0) / 2.0)


def warmup_cosine(optimizer, warmup_steps, max_steps, min_lr):
    base = optimizer.param_groups[0]["lr"]

    def factor(step):
        return lr_at(step, base, min_lr, warmup_steps, max_steps) / lr_at(warmup_steps, base, min_lr, warmup_steps,
                                                                          max_steps)

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
