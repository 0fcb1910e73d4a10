"""Mutant: a scheduler class that sets the lr only in step(): the first optimizer.step() runs at max_lr, not 0."""

import math


def lr_at(step, max_lr, min_lr, warmup_steps, max_steps):
    if step < warmup_steps:
        return max_lr * step / warmup_steps
    if step >= max_steps:
        return min_lr
    progress = (step - warmup_steps) / (max_steps - warmup_steps)
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))


class WarmupCosine:
    def __init__(self, optimizer, warmup_steps, max_steps, min_lr):
        self.optimizer, self.max_lr = optimizer, optimizer.param_groups[0]["lr"]
        self.schedule = (min_lr, warmup_steps, max_steps)
        self.step_count = 0

    def step(self):
        self.step_count += 1
        self.optimizer.param_groups[0]["lr"] = lr_at(self.step_count, self.max_lr, *self.schedule)


def warmup_cosine(optimizer, warmup_steps, max_steps, min_lr):
    return WarmupCosine(optimizer, warmup_steps, max_steps, min_lr)
