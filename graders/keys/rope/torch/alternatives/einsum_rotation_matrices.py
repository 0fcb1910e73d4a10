"""Correct: a 2x2 rotation matrix per (position, pair), applied with einsum to the pairs gathered
through an index tensor (the style is only which features form pair i); the result scattered back
into place with index_copy; float64 inside."""

import math

import torch


def rope(x, positions=None, base=10000.0, style="half"):
    d = x.shape[-1]
    T = x.shape[-2]
    if d % 2 == 1:
        raise ValueError("rope needs an even feature dimension")
    i = torch.arange(d // 2)
    if style == "half":
        first, second = i, i + d // 2
    elif style == "interleaved":
        first, second = 2 * i, 2 * i + 1
    else:
        raise ValueError(f"style {style!r} is neither 'half' nor 'interleaved'")
    m = (torch.arange(T) if positions is None else positions).to(torch.float64)
    theta = torch.exp(-2.0 * i.to(torch.float64) / d * math.log(base))                # (d/2,)
    ang = m[:, None] * theta                                                          # (T, d/2)
    c, s = torch.cos(ang), torch.sin(ang)
    R = torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)          # (T, d/2, 2, 2)
    x64 = x.to(torch.float64)
    pairs = torch.stack([x64.index_select(-1, first), x64.index_select(-1, second)], -1)   # (..., T, d/2, 2)
    turned = torch.einsum("tpij,...tpj->...tpi", R, pairs)                             # (..., T, d/2, 2)
    out = torch.empty_like(x64)
    out = out.index_copy(-1, first, turned[..., 0]).index_copy(-1, second, turned[..., 1])
    return out.to(x.dtype)
