"""Reference for tiny_transformer:lr_schedule: linear warmup from 0, cosine decay to min_lr, then min_lr."""

import math

import torch


def lr_at(step, max_lr, min_lr, warmup_steps, max_steps):
    """The learning rate of optimizer step `step` (0, 1, 2, ...), 0 <= warmup_steps < max_steps:
    max_lr * step / warmup_steps while step < warmup_steps, then a half cosine from max_lr (at
    warmup_steps) down to min_lr (at max_steps), then min_lr."""
    if step < warmup_steps:
        return max_lr * step / warmup_steps
    if step >= max_steps:
        return min_lr
    progress = (step - warmup_steps) / (max_steps - warmup_steps)      # in [0, 1)
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def warmup_cosine(optimizer, warmup_steps, max_steps, min_lr):
    """A LambdaLR whose t-th optimizer.step() (scheduler.step() after each) runs at lr_at(t, max_lr, ...),
    max_lr being the optimizer's lr now. LambdaLR multiplies the base lr by the factor, hence the division."""
    max_lr = optimizer.param_groups[0]["lr"]
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_at(step, max_lr, min_lr, warmup_steps, max_steps) / max_lr)
