"""Correct: a Python loop over the d/2 pairs, as on a whiteboard, each pair's two columns rotated
by the angles of its frequency and written into a new float64 tensor (never into x)."""

import torch


def rope(x, positions=None, base=10000.0, style="half"):
    if style != "half" and style != "interleaved":
        raise ValueError("bad style")
    T, d = x.shape[-2], x.shape[-1]
    if d % 2:
        raise ValueError("odd d")
    if positions is None:
        positions = torch.arange(T)
    m = positions.double()                                         # (T,)
    xd = x.double()
    out = torch.zeros_like(xd)
    for i in range(d // 2):
        theta = base ** (-2 * i / d)                               # a Python float (float64)
        cos, sin = torch.cos(m * theta)[:, None], torch.sin(m * theta)[:, None]   # (T, 1)
        j, k = (2 * i, 2 * i + 1) if style == "interleaved" else (i, i + d // 2)
        a, b = xd[..., j:j + 1], xd[..., k:k + 1]                  # (..., T, 1)
        out[..., j:j + 1] = a * cos - b * sin
        out[..., k:k + 1] = a * sin + b * cos
    return out.to(x.dtype)
