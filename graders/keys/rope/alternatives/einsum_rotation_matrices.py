"""Correct: the layouts differ only by a permutation of the features; gather the pairs with an
index array, apply one (2, 2) rotation matrix per position and pair with einsum, scatter back.
Frequencies as exp(-2i/d * log(base))."""

import numpy as np


def pair_index(d, style):
    """(d/2, 2): the feature indices of each pair."""
    i = np.arange(d // 2)
    if style == "interleaved":
        return np.stack([2 * i, 2 * i + 1], axis=1)
    if style == "half":
        return np.stack([i, i + d // 2], axis=1)
    raise ValueError(f"style {style!r} is neither 'half' nor 'interleaved'")


def rope(x, positions=None, base=10000.0, style="half"):
    T, d = x.shape[-2], x.shape[-1]
    if d % 2:
        raise ValueError(f"d={d} is odd")
    index = pair_index(d, style)                                       # (d/2, 2)
    positions = np.arange(T) if positions is None else positions
    theta = np.exp(-np.arange(0, d, 2) / d * np.log(base))             # (d/2,)
    angle = positions[:, None] * theta[None, :]                        # (T, d/2)
    c, s = np.cos(angle), np.sin(angle)
    R = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)    # (T, d/2, 2, 2)
    pairs = x[..., index].astype(np.float64)                           # (..., T, d/2, 2)
    rotated = np.einsum("tpij,...tpj->...tpi", R, pairs)
    out = np.empty(x.shape, dtype=np.float64)
    out[..., index] = rotated
    return out.astype(x.dtype)
