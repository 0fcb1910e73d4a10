import torch


def rope(x, positions=None, base=10000.0, style="half"):
    """Rotary position embeddings: rotate the feature pairs of each row of x by its position.

    x:         (..., T, d) float tensor on the CPU, any leading dims (e.g. (B, H, T, d)); d must be even.
    positions: None, or an int64 tensor (T,): the position m of each row (default torch.arange(T)).
    base:      theta_i = base ** (-2i / d) for pair i = 0 .. d/2 - 1.
    style:     "half"        pairs (i, i + d/2)   (Llama / Hugging Face rotate_half), the default;
               "interleaved" pairs (2i, 2i + 1)   (the RoFormer paper).

    Each pair (a, b) of a row at position m becomes
        (a cos(m theta_i) - b sin(m theta_i),  a sin(m theta_i) + b cos(m theta_i)).
    Returns a tensor of x's shape and float dtype (float32 in, float32 out), accurate for positions
    up to 1e5 with float64 x; x and positions are not modified (no in-place op on them).
    Raises ValueError for an odd d or a style other than "half" / "interleaved".
    """
    raise NotImplementedError
