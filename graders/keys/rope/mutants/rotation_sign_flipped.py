"""Rotation in the wrong direction: rotate_half written as cat(x2, -x1), so each pair turns by -m*theta (norms and relative positions still hold)."""

import numpy as np


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([x[..., half:], -x[..., :half]], axis=-1)     # bug: should be (-x2, x1)


def rotate_every_two(x):
    out = np.empty_like(x)
    out[..., 0::2] = x[..., 1::2]                                       # bug: should be -x_odd
    out[..., 1::2] = -x[..., 0::2]
    return out


def rope(x, positions=None, base=10000.0, style="half"):
    T, d = x.shape[-2:]
    if d % 2:
        raise ValueError("odd d")
    if style not in ("half", "interleaved"):
        raise ValueError("bad style")
    positions = np.arange(T) if positions is None else positions
    inv_freq = 1.0 / base ** (np.arange(0, d, 2) / d)
    freqs = np.outer(positions, inv_freq)                               # (T, d/2)
    if style == "half":
        emb = np.concatenate([freqs, freqs], axis=-1)                   # (T, d)
        out = x * np.cos(emb) + rotate_half(x) * np.sin(emb)
    else:
        emb = np.repeat(freqs, 2, axis=-1)                              # (T, d)
        out = x * np.cos(emb) + rotate_every_two(x) * np.sin(emb)
    return out.astype(x.dtype)
