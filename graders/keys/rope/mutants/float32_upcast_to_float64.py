"""Float32 x comes back float64: the float64 cos/sin tables promote the result and it is never cast back."""

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
    angles = np.outer(positions, theta)                      # (T, d/2) float64
    cos, sin = np.cos(angles), np.sin(angles)
    if style == "half":
        a, b = x[..., : d // 2], x[..., d // 2:]
        return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)   # bug: no cast back
    a, b = x[..., 0::2], x[..., 1::2]
    return np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(x.shape)
