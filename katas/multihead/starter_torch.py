import torch


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, mask=None):
    """Multi-head scaled dot-product self-attention with an output projection.

    x:         (B, T, d_model) float tensor, on the CPU
    W_q, W_k, W_v, W_o: (d_model, d_model); Q = x @ W_q, K = x @ W_k, V = x @ W_v (not nn.Linear's
               (out, in) layout: no transpose)
    num_heads: H, an int that must divide d_model (else ValueError); d_head = d_model // H.
               Head h uses columns h*d_head:(h+1)*d_head of Q, K and V.
    mask:      None, or a bool tensor broadcastable to (B, H, T, T): (T, T) causal, (B, 1, 1, T)
               padding, (B, 1, T, T), (1, H, T, T) or (B, H, T, T) per head.
               mask[b, h, i, j] True = query i may NOT attend to key j in head h.

    Each head: softmax over keys of Q_h K_h^T / sqrt(d_head), masked keys excluded, times V_h.
    A query whose keys are all masked in a head gets zeros from that head (no NaN). Returns
    concat(heads in order) @ W_o, (B, T, d_model), in the promoted dtype of the inputs
    (torch.promote_types of x and the four weights; torch's @ does not mix dtypes by itself).
    The inputs are not modified. Softmax and attention built-ins are not allowed (see the prompt).
    """
    raise NotImplementedError
