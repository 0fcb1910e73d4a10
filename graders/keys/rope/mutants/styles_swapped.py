"""Conventions swapped: "half" rotates the adjacent pairs (2i, 2i+1) and "interleaved" the pairs (i, i + d/2)."""

import numpy as np


def rope(x, positions=None, base=10000.0, style="half"):
    T, d = x.shape[-2], x.shape[-1]
    if d % 2 != 0:
        raise ValueError("d must be even")
    if style not in ("half", "interleaved"):
        raise ValueError(f"unknown style {style}")
    if positions is None:
        positions = np.arange(T)
    theta = base ** (-np.arange(0, d, 2) / d)                # (d/2,)
    angles = np.outer(positions, theta)                      # (T, d/2)
    cos, sin = np.cos(angles), np.sin(angles)
    if style == "interleaved":                               # bug: the layouts are mixed up
        a, b = x[..., : d // 2], x[..., d // 2:]
        out = np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)
    else:
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(x.shape)
    return out.astype(x.dtype)
