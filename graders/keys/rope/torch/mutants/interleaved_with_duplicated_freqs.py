"""Mutant: HF's `cat((freqs, freqs))` cos/sin used for the interleaved style (needs repeat_interleave)."""

import torch

STYLES = ("half", "interleaved")


def _float_dtype(x):
    """The dtype the output keeps: x's own if floating, float64 otherwise."""
    return x.dtype if x.is_floating_point() else torch.float64


def rotation_angles(positions, d, base):
    """cos and sin of m * theta_i, each (T, d/2) float64, for positions (T,) and d features."""
    pair = torch.arange(d // 2, dtype=torch.float64)                       # (d/2,)  i
    theta = float(base) ** (-2.0 * pair / d)                               # (d/2,)  base^(-2i/d)
    angles = positions.to(torch.float64)[:, None] * theta[None, :]         # (T, d/2)
    return torch.cos(angles), torch.sin(angles)


def split_pairs(x, style):
    """The two members (a, b) of every pair, each (..., T, d/2)."""
    if style == "interleaved":
        return x[..., 0::2], x[..., 1::2]                                  # features 2i and 2i+1
    half = x.shape[-1] // 2
    return x[..., :half], x[..., half:]                                    # features i and i + d/2


def merge_pairs(a, b, style):
    """Inverse of split_pairs: (..., T, d/2) twice -> (..., T, d) in the style's layout."""
    if style == "interleaved":
        return torch.stack([a, b], dim=-1).flatten(-2)                     # a0 b0 a1 b1 ...
    return torch.cat([a, b], dim=-1)                                       # a0 a1 ... b0 b1 ...


def rope(x, positions=None, base=10000.0, style="half"):
    """Rotate x (..., T, d) by position: pair i of row t turns by positions[t] * base^(-2i/d).

    positions: an integer tensor (T,), default arange(T). Returns x's shape and floating dtype; x is
    not modified. Odd d or a style other than "half" / "interleaved" raises ValueError."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    T, d = x.shape[-2], x.shape[-1]
    if d % 2:
        raise ValueError(f"the feature dimension d must be even to form pairs, got d={d}")
    positions = torch.arange(T) if positions is None else torch.as_tensor(positions)   # (T,)
    if tuple(positions.shape) != (T,):
        raise ValueError(f"positions must have shape ({T},), got {tuple(positions.shape)}")

    cos, sin = rotation_angles(positions, d, base)                         # (T, d/2) each
    cos, sin = torch.cat((cos, cos), dim=-1), torch.cat((sin, sin), dim=-1)   # (T, d): f0 .. f_{d/2-1} f0 ..
    x64 = x.to(torch.float64)
    a, b = split_pairs(x64, style)
    rotated = merge_pairs(-b, a, style)                                    # (-x2, x1) in the style's layout
    out = x64 * cos + rotated * sin                                        # (..., T, d)
    return out.to(_float_dtype(x))
