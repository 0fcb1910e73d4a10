"""Correct: each pair is a complex number a + ib multiplied by e^{i m theta} (Meta's Llama
`freqs_cis` form), in complex128, for both layouts."""

import numpy as np


def rope(x, positions=None, base=10000.0, style="half"):
    if style not in ("half", "interleaved"):
        raise ValueError(f"unknown style {style!r}")
    T, d = x.shape[-2], x.shape[-1]
    if d % 2 != 0:
        raise ValueError("d must be even")
    if positions is None:
        positions = np.arange(T)
    inv_freq = 1.0 / base ** (np.arange(0, d, 2) / d)                 # (d/2,)
    rot = np.exp(1j * np.outer(positions, inv_freq))                  # (T, d/2) complex128
    x64 = x.astype(np.float64)
    if style == "interleaved":
        z = x64[..., 0::2] + 1j * x64[..., 1::2]
        z = z * rot
        out = np.empty(x.shape, dtype=np.float64)
        out[..., 0::2], out[..., 1::2] = z.real, z.imag
    else:
        h = d // 2
        z = (x64[..., :h] + 1j * x64[..., h:]) * rot
        out = np.concatenate([z.real, z.imag], axis=-1)
    return out.astype(x.dtype)
