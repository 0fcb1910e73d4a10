"""Correct: each pair as one complex number multiplied by e^{i m theta} from torch.polar, in complex128;
the interleaved layout through view_as_complex / view_as_real, the half layout through torch.complex."""

import torch


def rope(x, positions=None, base=10000.0, style="half"):
    if style not in ("half", "interleaved"):
        raise ValueError(f"unknown style {style!r}")
    *lead, T, d = x.shape
    if d % 2 != 0:
        raise ValueError("d must be even")
    m = torch.arange(T, dtype=torch.float64) if positions is None else positions.double()
    theta = base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)          # (d/2,)
    rot = torch.polar(torch.ones(T, d // 2, dtype=torch.float64), torch.outer(m, theta))   # (T, d/2) complex128
    x64 = x.double()
    if style == "interleaved":
        z = torch.view_as_complex(x64.reshape(*lead, T, d // 2, 2).contiguous())  # (..., T, d/2)
        out = torch.view_as_real(z * rot).reshape(*lead, T, d)
    else:
        z = torch.complex(x64[..., : d // 2], x64[..., d // 2:])
        w = z * rot
        out = torch.cat([w.real, w.imag], dim=-1)
    return out.to(x.dtype)
