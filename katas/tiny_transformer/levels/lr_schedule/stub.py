import math


def lr_at(step, max_lr, min_lr, warmup_steps, max_steps):
    """The learning rate of optimizer step `step` (0, 1, 2, ...) as a float; 0 <= warmup_steps < max_steps.

    Linear warmup from 0: max_lr * step / warmup_steps while step < warmup_steps (0 at step 0); then a
    half cosine from max_lr at step == warmup_steps down to min_lr at step == max_steps; min_lr after.
    """
    raise NotImplementedError


def warmup_cosine(optimizer, warmup_steps, max_steps, min_lr):
    """A scheduler (e.g. torch.optim.lr_scheduler.LambdaLR) for the loop optimizer.step(); scheduler.step():
    the t-th optimizer.step() (t = 0, 1, ...) runs at lr_at(t, max_lr, min_lr, warmup_steps, max_steps),
    where max_lr is the optimizer's lr when warmup_cosine is called (one param group).
    """
    raise NotImplementedError
