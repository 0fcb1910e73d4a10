import numpy as np


def softmax(x, axis=-1):
    """Numerically stable softmax of `x` along `axis`.

    x: ndarray of any shape. Returns an array of the same shape and float dtype (float32 in,
    float32 out) whose entries along `axis` are >= 0 and sum to 1. Must not overflow for logits
    of magnitude 1e4 (float64) or 100 (float32), and must emit no RuntimeWarning.
    """
    raise NotImplementedError


def self_attention(x, w_q, w_k, w_v, mask=None):
    """Single-head scaled dot-product self-attention.

    x:    (B, T, d_model)
    w_q:  (d_model, d_k)    queries Q = x @ w_q, (B, T, d_k)
    w_k:  (d_model, d_k)    keys    K = x @ w_k, (B, T, d_k)
    w_v:  (d_model, d_v)    values  V = x @ w_v, (B, T, d_v); d_v may differ from d_k
    mask: None, or a bool array broadcastable to (B, T, T): (T, T) causal, (B, 1, T) padding,
          or (B, T, T). mask[b, i, j] True = query i may NOT attend to key j.

    Returns (B, T, d_v): softmax over keys of Q K^T / sqrt(d_k), masked keys excluded, times V.
    A query row whose keys are all masked outputs zeros (no NaN, no RuntimeWarning).
    The output keeps the float dtype of the inputs (np.result_type of x and the weights);
    the inputs are not modified.
    """
    raise NotImplementedError
