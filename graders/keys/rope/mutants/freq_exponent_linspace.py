"""Exponents from np.linspace(0, 1, d/2): the last pair gets base ** -1 instead of base ** (-(d-2)/d)."""

import numpy as np


def rope(x, positions=None, base=10000.0, style="half"):
    T, d = x.shape[-2], x.shape[-1]
    if d % 2 != 0:
        raise ValueError("d must be even")
    if style not in ("half", "interleaved"):
        raise ValueError(f"unknown style {style}")
    if positions is None:
        positions = np.arange(T)
    theta = base ** -np.linspace(0.0, 1.0, d // 2)           # (d/2,)  bug: endpoint 1 is never reached
    angles = np.outer(positions, theta)                      # (T, d/2)
    cos, sin = np.cos(angles), np.sin(angles)
    if style == "half":
        a, b = x[..., : d // 2], x[..., d // 2:]
        out = np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)
    else:
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(x.shape)
    return out.astype(x.dtype)
