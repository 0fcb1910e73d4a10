import torch

def grouped_query_attention(x, W_q, W_k, W_v, W_o, num_heads, num_kv_heads, mask=None):
    """Grouped-query self-attention: H = num_heads query heads share G = num_kv_heads K/V heads.

    x: (B, T, d_model); W_q, W_o: (d_model, d_model); W_k, W_v: (d_model, G * d_head), d_head = d_model // H.
    Query head h attends with KV head h // (H // G) (repeat_interleave, not Tensor.repeat).
    H % G != 0 (or d_model % H != 0) raises ValueError. mask: as multi_head_attention's, broadcastable
    to (B, H, T, T) over QUERY heads, True = may NOT attend; a fully masked head row gives zeros (no NaN).
    Returns (B, T, d_model) in the promoted dtype of the inputs; inputs not modified. Softmax and attention
    built-ins (scaled_dot_product_attention included) are not allowed.
    """
    raise NotImplementedError
