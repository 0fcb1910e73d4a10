"""Correct: Hugging Face style in x's own dtype (float32 inside for float32 x, allowed; float64 x stays
float64 throughout): an inv_freq vector, cos/sin duplicated to full width (cat for the half layout,
repeat_interleave for the interleaved one) and x * cos + rotate(x) * sin."""

import torch


def _rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def _rotate_every_two(x):
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((-x2, x1), dim=-1).flatten(-2)


def rope(x, positions=None, base=10000.0, style="half"):
    if style not in ("half", "interleaved"):
        raise ValueError(f"style must be 'half' or 'interleaved', not {style!r}")
    T, d = x.shape[-2:]
    if d % 2:
        raise ValueError(f"odd d={d}")
    dt = x.dtype
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2, dtype=dt) / d))          # (d/2,)
    pos = torch.arange(T, dtype=dt) if positions is None else positions.to(dt)
    freqs = pos[:, None] * inv_freq[None, :]                                   # (T, d/2)
    if style == "half":
        emb = torch.cat((freqs, freqs), dim=-1)                                # (T, d): f0 .. f_{d/2-1} f0 ..
        return x * emb.cos() + _rotate_half(x) * emb.sin()
    emb = torch.repeat_interleave(freqs, 2, dim=-1)                            # (T, d): f0 f0 f1 f1 ...
    return x * emb.cos() + _rotate_every_two(x) * emb.sin()
