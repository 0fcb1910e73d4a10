"""Correct: the Hugging Face form x * cos + rotate(x) * sin, computed entirely in x's dtype
(float32 stays float32 inside, angles included); rotate_half for "half", rotate_every_two for
"interleaved"."""

import numpy as np


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def rotate_every_two(x):
    out = np.empty_like(x)
    out[..., 0::2] = -x[..., 1::2]
    out[..., 1::2] = x[..., 0::2]
    return out


def rope(x, positions=None, base=10000.0, style="half"):
    dtype = x.dtype
    T, d = x.shape[-2:]
    if d % 2:
        raise ValueError("rope needs an even d")
    if style not in ("half", "interleaved"):
        raise ValueError("style must be 'half' or 'interleaved'")
    pos = np.arange(T, dtype=dtype) if positions is None else np.asarray(positions).astype(dtype)
    inv_freq = (1.0 / base ** (np.arange(0, d, 2, dtype=dtype) / dtype.type(d))).astype(dtype)
    freqs = np.outer(pos, inv_freq)                                   # (T, d/2) in x's dtype
    if style == "half":
        emb = np.concatenate([freqs, freqs], axis=-1)                 # (T, d): theta_0..theta_{h-1} twice
        return x * np.cos(emb) + rotate_half(x) * np.sin(emb)
    emb = np.repeat(freqs, 2, axis=-1)                                # (T, d): theta_0 theta_0 theta_1 ...
    return x * np.cos(emb) + rotate_every_two(x) * np.sin(emb)
