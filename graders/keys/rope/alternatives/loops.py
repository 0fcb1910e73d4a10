"""Correct: explicit Python loops over positions and pairs, a 2x2 rotation per pair; any leading
axes are flattened into one batch axis first."""

import math

import numpy as np


def rope(x, positions=None, base=10000.0, style="half"):
    *lead, T, d = x.shape
    if d % 2 == 1:
        raise ValueError(f"odd d={d}")
    if style == "interleaved":
        pairs = [(2 * i, 2 * i + 1) for i in range(d // 2)]
    elif style == "half":
        pairs = [(i, i + d // 2) for i in range(d // 2)]
    else:
        raise ValueError(f"unknown style {style!r}")
    if positions is None:
        positions = list(range(T))
    flat = x.reshape(-1, T, d)
    out = np.zeros(flat.shape, dtype=x.dtype)
    for t in range(T):
        m = int(positions[t])
        for i, (p, q) in enumerate(pairs):
            angle = m * base ** (-2 * i / d)
            c, s = math.cos(angle), math.sin(angle)
            a, b = flat[:, t, p].astype(np.float64), flat[:, t, q].astype(np.float64)
            out[:, t, p] = a * c - b * s
            out[:, t, q] = a * s + b * c
    return out.reshape(x.shape)
