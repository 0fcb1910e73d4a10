"""Mutant: the cosine decays to 0 instead of min_lr, then jumps back up to min_lr after max_steps."""

import math

import torch


def lr_at(step, max_lr, min_lr, warmup_steps, max_steps):
    if step < warmup_steps:
        return max_lr * step / warmup_steps
    if step >= max_steps:
        return min_lr
    progress = (step - warmup_steps) / (max_steps - warmup_steps)      # in [0, 1)
    return 0.5 * max_lr * (1.0 + math.cos(math.pi * progress))


def warmup_cosine(optimizer, warmup_steps, max_steps, min_lr):
    max_lr = optimizer.param_groups[0]["lr"]
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_at(step, max_lr, min_lr, warmup_steps, max_steps) / max_lr)
