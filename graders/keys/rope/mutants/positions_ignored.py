"""The positions argument is ignored: always arange(T), so a decode step at position p is rotated as position 0."""

import numpy as np


def rope(x, positions=None, base=10000.0, style="half"):
    T, d = x.shape[-2], x.shape[-1]
    if d % 2 != 0:
        raise ValueError("d must be even")
    if style not in ("half", "interleaved"):
        raise ValueError(f"unknown style {style}")
    positions = np.arange(T)                                 # bug: the caller's positions are dropped
    theta = base ** (-np.arange(0, d, 2) / d)                # (d/2,)
    angles = np.outer(positions, theta)                      # (T, d/2)
    cos, sin = np.cos(angles), np.sin(angles)
    if style == "half":
        a, b = x[..., : d // 2], x[..., d // 2:]
        out = np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)
    else:
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(x.shape)
    return out.astype(x.dtype)
