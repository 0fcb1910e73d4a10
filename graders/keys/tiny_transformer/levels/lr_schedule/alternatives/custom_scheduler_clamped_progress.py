"""Alternative: a scheduler class of its own that writes each param group's lr, and a branch-light
lr_at (the decay's progress clamped to [0, 1], so min_lr after max_steps falls out of the cosine)."""

import math


def lr_at(step, max_lr, min_lr, warmup_steps, max_steps):
    if step < warmup_steps:
        return max_lr * step / warmup_steps
    progress = min(1.0, (step - warmup_steps) / (max_steps - warmup_steps))
    cosine = 0.5 * (1.0 + math.cos(math.pi * progress))              # 1 -> 0
    return min_lr + (max_lr - min_lr) * cosine


class WarmupCosine:
    """Sets the optimizer's lr for the next optimizer.step(): lr_at(0) when built, lr_at(t) after t step() calls."""

    def __init__(self, optimizer, warmup_steps, max_steps, min_lr):
        self.optimizer = optimizer
        self.max_lrs = [group["lr"] for group in optimizer.param_groups]
        self.schedule = (min_lr, warmup_steps, max_steps)
        self.step_count = 0
        self._apply()

    def _apply(self):
        min_lr, warmup_steps, max_steps = self.schedule
        for group, max_lr in zip(self.optimizer.param_groups, self.max_lrs):
            group["lr"] = lr_at(self.step_count, max_lr, min_lr, warmup_steps, max_steps)

    def step(self):
        self.step_count += 1
        self._apply()


def warmup_cosine(optimizer, warmup_steps, max_steps, min_lr):
    return WarmupCosine(optimizer, warmup_steps, max_steps, min_lr)
