"""The lr_schedule level's reference against its definition written independently with torch's own ops
(torch.cos over a whole step range, torch.where for the pieces), by-hand values, and, for the scheduler,
a real torch.optim.SGD loop, whose steps are compared with lr_at step by step."""

import math

import pytest

torch = pytest.importorskip("torch")

from graders.keys.tiny_transformer.levels.lr_schedule import reference as ref  # noqa: E402

SCHEDULES = [(6e-4, 6e-5, 10, 100), (1e-2, 0.0, 4, 20), (0.5, 0.05, 1, 9), (1e-3, 1e-4, 0, 10), (3e-4, 3e-5, 3, 12)]


def torch_schedule(max_lr, min_lr, warmup_steps, max_steps, n):
    """lr for steps 0..n-1 as one float64 tensor: ramp, half cosine, floor, each piece where it applies."""
    t = torch.arange(n, dtype=torch.float64)
    ramp = max_lr * t / max(warmup_steps, 1)
    u = ((t - warmup_steps) / (max_steps - warmup_steps)).clamp(0.0, 1.0)
    cosine = min_lr + (max_lr - min_lr) * (torch.cos(torch.pi * u) + 1) / 2
    return torch.where(t < warmup_steps, ramp, torch.where(t > max_steps, torch.full_like(t, min_lr), cosine))


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_matches_a_torch_definition(schedule):
    n = 2 * schedule[3] + 5
    expected = torch_schedule(*schedule, n)
    got = torch.tensor([ref.lr_at(t, *schedule) for t in range(n)], dtype=torch.float64)
    torch.testing.assert_close(got, expected, rtol=1e-13, atol=1e-16)


def test_hand_values():
    max_lr, min_lr, warmup, max_steps = schedule = (3e-3, 3e-4, 8, 48)
    assert ref.lr_at(0, *schedule) == 0.0
    assert ref.lr_at(warmup, *schedule) == pytest.approx(max_lr, rel=1e-15)
    assert ref.lr_at(28, *schedule) == pytest.approx((max_lr + min_lr) / 2, rel=1e-14)
    assert ref.lr_at(max_steps, *schedule) == min_lr
    assert ref.lr_at(10 * max_steps, *schedule) == min_lr
    assert ref.lr_at(0, 1e-3, 1e-4, 0, 10) == pytest.approx(1e-3, rel=1e-15)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_scheduler_steps_an_sgd_loop_at_lr_at(schedule):
    max_lr, min_lr, warmup, max_steps = schedule
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = torch.optim.SGD([p], lr=max_lr)
    scheduler = ref.warmup_cosine(optimizer, warmup, max_steps, min_lr)
    for t in range(max_steps + 5):
        with torch.no_grad():
            p.zero_()
        p.grad = torch.ones_like(p)
        optimizer.step()
        assert -p.item() == pytest.approx(ref.lr_at(t, *schedule), rel=1e-13, abs=1e-18), t
        scheduler.step()
