"""Hidden tests of the tiny_transformer kata's level `lr_schedule`: lr_at(step, max_lr, min_lr,
warmup_steps, max_steps) and warmup_cosine(optimizer, warmup_steps, max_steps, min_lr) (PyTorch).

Expected values come from the reference (graders/keys/tiny_transformer/levels/lr_schedule/reference.py,
checked against a schedule built from its definition with torch's own cosine in test_oracle.py) or by
hand (0 at step 0, max_lr at warmup_steps, the mean of max_lr and min_lr halfway through the decay,
min_lr at max_steps and after). The scheduler is checked where it matters, in the loop it is written
for: a real torch.optim.SGD (toys.tiny_transformer:torch_sgd; LambdaLR takes nothing else) stepped with
gradient 1, so each step moves the parameter by exactly the lr it ran at.
Tolerance RTOL 1e-6, ATOL 1e-6 * max_lr: float64 formulations (min_lr + ... vs max_lr * factor, LambdaLR's
base_lr * factor) agree to a few ulp; 1e-6 leaves room for a schedule computed in float32 (ulp 6e-8, and
1 + cos(pi u) cancels to ~6e-8 absolute near the end of the decay). Every bug here is off by > 1e-2 * max_lr.
"""

import numpy as np
import pytest

from graders.check import as_array, assert_close, assert_scalar_close
from graders.keys.tiny_transformer.levels.lr_schedule import reference as ref

TOYS = "toys.tiny_transformer"
RTOL, ATOL = 1e-6, 1e-6             # ATOL in units of max_lr

# (max_lr, min_lr, warmup_steps, max_steps): a nanoGPT-like one, min_lr 0, a warmup of one step.
SCHEDULES = [(6e-4, 6e-5, 10, 100), (1e-2, 0.0, 4, 20), (0.5, 0.05, 1, 9)]


def lr(solution, step, schedule, case):
    """solution.lr_at(step, *schedule) as a Python float, checked to be a single number."""
    value = as_array(solution.lr_at(step, *schedule), case, "a float")
    if value.shape != ():
        raise AssertionError(f"returned an array of shape {value.shape} for {case}; expected one float")
    return float(value)


def check_values(solution, schedule, steps):
    max_lr = schedule[0]
    got = [lr(solution, t, schedule, f"lr_at({t}, *{schedule})") for t in steps]
    expected = [ref.lr_at(t, *schedule) for t in steps]
    assert_close(np.array(got), np.array(expected),
                 f"lr_at(step, max_lr={max_lr}, min_lr={schedule[1]}, warmup_steps={schedule[2]}, "
                 f"max_steps={schedule[3]}) over steps {list(steps)}", rtol=RTOL, atol=ATOL * max_lr)


def run_loop(solution, make, schedule, steps):
    """warmup_cosine on a fresh torch.optim.SGD at max_lr, then `steps` rounds of optimizer.step();
    scheduler.step() -> (lr before each step, how far each step moved the parameter)."""
    max_lr, min_lr, warmup_steps, max_steps = schedule
    optimizer = make(f"{TOYS}:torch_sgd", max_lr)
    scheduler = solution.warmup_cosine(optimizer, warmup_steps, max_steps, min_lr)
    lrs, moves = make(f"{TOYS}:scheduled_sgd_run", optimizer, scheduler, steps)
    return np.asarray(lrs), np.asarray(moves)


@pytest.mark.category("correctness")
@pytest.mark.parametrize("schedule", SCHEDULES, ids=["nanogpt", "min_lr_0", "warmup_1"])
def test_every_step_matches_the_reference(solution, schedule):
    check_values(solution, schedule, range(schedule[3] + 3))


@pytest.mark.category("edge-case")
def test_the_boundaries_by_hand(solution):
    schedule = max_lr, min_lr, warmup, max_steps = (3e-3, 3e-4, 8, 48)
    tol = dict(rtol=RTOL, atol=ATOL * max_lr)
    cases = [(0, 0.0, "step 0: the warmup starts from 0 (max_lr * 0 / warmup_steps)"),
             (1, max_lr / warmup, "step 1: max_lr / warmup_steps"),
             (warmup - 1, max_lr * (warmup - 1) / warmup, "the last warmup step: max_lr * (warmup_steps - 1) / warmup_steps"),
             (warmup, max_lr, "step == warmup_steps: exactly max_lr (the top of the cosine)"),
             ((warmup + max_steps) // 2, (max_lr + min_lr) / 2, "halfway through the decay: (max_lr + min_lr) / 2"),
             (max_steps, min_lr, "step == max_steps: min_lr (the bottom of the half cosine)"),
             (max_steps + 1, min_lr, "past max_steps: min_lr, constant"),
             (10 * max_steps, min_lr, "far past max_steps: still min_lr (the cosine does not come back up)")]
    for step, expected, what in cases:
        assert_scalar_close(solution.lr_at(step, *schedule), expected,
                            f"lr_at({step}, max_lr={max_lr}, min_lr={min_lr}, warmup_steps={warmup}, "
                            f"max_steps={max_steps}), {what}", **tol)


@pytest.mark.category("edge-case")
def test_no_warmup_starts_at_max_lr(solution):
    schedule = (1e-3, 1e-4, 0, 10)
    assert_scalar_close(solution.lr_at(0, *schedule), 1e-3,
                        "lr_at(0, max_lr=1e-3, min_lr=1e-4, warmup_steps=0, max_steps=10): with no warmup, step 0 "
                        "is the top of the cosine, max_lr", rtol=RTOL, atol=ATOL * 1e-3)
    check_values(solution, schedule, range(13))


@pytest.mark.category("correctness")
def test_rises_through_the_warmup_then_never_rises_again(solution):
    max_lr, min_lr, warmup, max_steps = schedule = (2e-3, 2e-4, 6, 30)
    values = np.array([lr(solution, t, schedule, f"lr_at({t}, *{schedule})") for t in range(2 * max_steps)])
    slack = ATOL * max_lr
    rises = np.diff(values[:warmup + 1])
    if np.any(rises <= 0):
        t = int(np.argmax(rises <= 0))
        raise AssertionError(f"lr_at(step, max_lr={max_lr}, min_lr={min_lr}, warmup_steps={warmup}, "
                             f"max_steps={max_steps}) went from {values[t]!r} at step {t} to {values[t + 1]!r} "
                             f"at step {t + 1}; expected it to rise at every warmup step, up to max_lr at step {warmup}")
    falls = np.diff(values[warmup:])
    if np.any(falls > slack):
        t = warmup + int(np.argmax(falls > slack))
        raise AssertionError(f"lr_at(step, max_lr={max_lr}, min_lr={min_lr}, warmup_steps={warmup}, "
                             f"max_steps={max_steps}) rose from {values[t]!r} at step {t} to {values[t + 1]!r} at "
                             f"step {t + 1}; expected it never to rise after the warmup (a half cosine, then min_lr)")
    decay = values[warmup:]
    if decay.min() < min_lr - slack or decay.max() > max_lr + slack:
        raise AssertionError(f"lr_at(step, max_lr={max_lr}, min_lr={min_lr}, ...) ranged over [{decay.min()!r}, "
                             f"{decay.max()!r}] for steps {warmup}-{2 * max_steps - 1}; expected it within [min_lr, "
                             f"max_lr] from the end of the warmup on")


@pytest.mark.category("correctness")
def test_an_optimizer_loop_runs_each_step_at_its_lr(solution, make):
    schedule = max_lr, min_lr, warmup, max_steps = (0.1, 0.01, 5, 25)
    steps = max_steps + 5
    lrs, moves = run_loop(solution, make, schedule, steps)
    expected = np.array([ref.lr_at(t, *schedule) for t in range(steps)])
    built = (f"warmup_cosine(torch.optim.SGD(lr={max_lr}), warmup_steps={warmup}, max_steps={max_steps}, "
             f"min_lr={min_lr})")
    loop = f"{built}, then optimizer.step(); scheduler.step() {steps} times"
    if abs(lrs[0]) > ATOL * max_lr:
        raise AssertionError(f"the optimizer's lr is {lrs[0]!r} right after {built}; expected lr_at(0) = 0: the "
                             f"scheduler sets the first step's lr when it is built (LambdaLR does)")
    assert_close(lrs, expected, f"the optimizer's lr before each optimizer.step() under {loop}",
                 rtol=RTOL, atol=ATOL * max_lr)
    assert_close(moves, expected, f"how far each SGD step (gradient 1) moved the parameter under {loop} "
                 "(the lr the optimizer used)", rtol=RTOL, atol=ATOL * max_lr)


@pytest.mark.category("correctness")
def test_max_lr_is_the_optimizers_lr_and_min_lr_an_absolute_lr(solution, make):
    # LambdaLR multiplies the base lr by the factor: with max_lr = 1 a factor of lr_at(...) itself, or a
    # min_lr taken as a ratio, would look right. Here they are 3e-4 and 3e-5.
    schedule = max_lr, min_lr, warmup, max_steps = (3e-4, 3e-5, 3, 12)
    steps = max_steps + 2
    lrs, _ = run_loop(solution, make, schedule, steps)
    expected = np.array([ref.lr_at(t, *schedule) for t in range(steps)])
    assert_close(lrs, expected, f"the optimizer's lr before each optimizer.step() under warmup_cosine("
                 f"torch.optim.SGD(lr={max_lr}), warmup_steps={warmup}, max_steps={max_steps}, min_lr={min_lr}) "
                 f"(max_lr is the optimizer's lr; the lr ends at min_lr = {min_lr}, not max_lr * min_lr)",
                 rtol=RTOL, atol=ATOL * max_lr)
