"""Alternative: the schedule as a multiplier of max_lr computed in float32 torch arithmetic (the
warmup ramp and the cosine both as factors in [0, 1]), LambdaLR taking that factor directly."""

import torch


def lr_factor(step, min_ratio, warmup_steps, max_steps):
    """lr / max_lr at `step`, as a float32 tensor."""
    t = torch.tensor(float(step), dtype=torch.float32)
    if step < warmup_steps:
        return t / warmup_steps
    progress = ((t - warmup_steps) / (max_steps - warmup_steps)).clamp(0.0, 1.0)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + torch.cos(torch.pi * progress))


def lr_at(step, max_lr, min_lr, warmup_steps, max_steps):
    return max_lr * lr_factor(step, min_lr / max_lr, warmup_steps, max_steps).item()


def warmup_cosine(optimizer, warmup_steps, max_steps, min_lr):
    max_lr = optimizer.param_groups[0]["lr"]
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, min_lr / max_lr, warmup_steps, max_steps).item())
