"""Interleaved style with the half style's cos/sin layout: np.tile (theta_0..theta_{h-1} twice) instead of np.repeat (theta_0, theta_0, theta_1, ...)."""

import numpy as np


def rope(x, positions=None, base=10000.0, style="half"):
    T, d = x.shape[-2:]
    if d % 2:
        raise ValueError("odd d")
    if style not in ("half", "interleaved"):
        raise ValueError("bad style")
    positions = np.arange(T) if positions is None else positions
    inv_freq = 1.0 / base ** (np.arange(0, d, 2) / d)
    freqs = np.outer(positions, inv_freq)                               # (T, d/2)
    emb = np.concatenate([freqs, freqs], axis=-1)                       # (T, d); bug for interleaved
    cos, sin = np.cos(emb), np.sin(emb)
    if style == "half":
        half = d // 2
        rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    else:
        rotated = np.empty_like(x)
        rotated[..., 0::2] = -x[..., 1::2]
        rotated[..., 1::2] = x[..., 0::2]
    return (x * cos + rotated * sin).astype(x.dtype)
