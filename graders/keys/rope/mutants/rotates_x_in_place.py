"""Rotates x in place to save memory and returns it: the values are right but the caller's array is overwritten."""

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
    if style == "half":
        first, second = np.s_[..., : d // 2], np.s_[..., d // 2:]
    else:
        first, second = np.s_[..., 0::2], np.s_[..., 1::2]
    a, b = x[first].copy(), x[second].copy()
    x[first] = a * cos - b * sin                             # bug: writes into the caller's x
    x[second] = a * sin + b * cos
    return x
