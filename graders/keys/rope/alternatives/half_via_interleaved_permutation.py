"""Correct: implements the interleaved (paper) form once, with cos/sin repeated per pair, and gets
the half layout by permuting the features into interleaved order and back; positions divided by
base ** (2i/d) instead of multiplied by its inverse."""

import numpy as np


def interleaved(x, positions, base):
    d = x.shape[-1]
    angles = positions[:, None] / base ** (np.arange(0, d, 2) / d)[None, :]   # (T, d/2)
    cos = np.repeat(np.cos(angles), 2, axis=-1)                                # (T, d)
    sin = np.repeat(np.sin(angles), 2, axis=-1)
    swapped = np.empty_like(x)
    swapped[..., 0::2] = -x[..., 1::2]
    swapped[..., 1::2] = x[..., 0::2]
    return x * cos + swapped * sin


def rope(x, positions=None, base=10000.0, style="half"):
    d = x.shape[-1]
    if d % 2 or style not in ("half", "interleaved"):
        raise ValueError(f"need an even d and a known style, got d={d}, style={style!r}")
    positions = np.arange(x.shape[-2]) if positions is None else np.asarray(positions)
    x64 = x.astype(np.float64)
    if style == "interleaved":
        return interleaved(x64, positions, base).astype(x.dtype)
    h = d // 2
    to_interleaved = np.stack([np.arange(h), np.arange(h) + h], axis=1).reshape(-1)   # 0, h, 1, h+1, ...
    out = np.empty_like(x64)
    out[..., to_interleaved] = interleaved(x64[..., to_interleaved], positions, base)
    return out.astype(x.dtype)
