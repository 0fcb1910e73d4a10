"""Interleaved pairs formed with reshape(..., 2, d/2) instead of reshape(..., d/2, 2): it pairs (i, i + d/2), the half layout."""

import numpy as np


def rope(x, positions=None, base=10000.0, style="half"):
    *lead, T, d = x.shape
    if d % 2:
        raise ValueError("d must be even")
    if style not in ("half", "interleaved"):
        raise ValueError("unknown style")
    positions = np.arange(T) if positions is None else positions
    theta = base ** (-np.arange(0, d, 2) / d)
    angles = positions[:, None] * theta[None, :]                     # (T, d/2)
    cos, sin = np.cos(angles), np.sin(angles)
    if style == "half":
        a, b = x[..., : d // 2], x[..., d // 2:]
        return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1).astype(x.dtype)
    pairs = x.reshape(*lead, T, 2, d // 2)                           # bug: should be (d // 2, 2)
    a, b = pairs[..., 0, :], pairs[..., 1, :]
    out = np.stack([a * cos - b * sin, a * sin + b * cos], axis=-2)  # (..., T, 2, d/2)
    return out.reshape(x.shape).astype(x.dtype)
