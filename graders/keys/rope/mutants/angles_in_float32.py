"""Angles computed in float32 (inv_freq and positions cast as in many PyTorch ports): at position 1e5 the angle is off by ~4e-3 rad."""

import numpy as np


def rope(x, positions=None, base=10000.0, style="half"):
    T, d = x.shape[-2], x.shape[-1]
    if d % 2 != 0:
        raise ValueError("d must be even")
    if style not in ("half", "interleaved"):
        raise ValueError(f"unknown style {style}")
    if positions is None:
        positions = np.arange(T)
    inv_freq = (1.0 / base ** (np.arange(0, d, 2, dtype=np.float32) / d)).astype(np.float32)
    angles = np.outer(positions.astype(np.float32), inv_freq)     # (T, d/2) bug: float32 angles
    cos, sin = np.cos(angles), np.sin(angles)
    if style == "half":
        a, b = x[..., : d // 2], x[..., d // 2:]
        out = np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)
    else:
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(x.shape)
    return out.astype(x.dtype)
