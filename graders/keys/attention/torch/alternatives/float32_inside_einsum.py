"""Correct: einsum throughout in the inputs' promoted dtype (float32 arithmetic for float32 inputs),
softmax as exp(x - logsumexp(x)) written by hand, masked scores -inf through torch.where, and the NaN of
a fully masked row turned into zeros with torch.nan_to_num."""

import torch


def _logsumexp(x, axis):
    m = x.amax(dim=axis, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))     # an all -inf slice: shift by 0
    return m + torch.log(torch.exp(x - m).sum(dim=axis, keepdim=True))


def softmax(x, axis=-1):
    return torch.exp(x - _logsumexp(x, axis))


def self_attention(x, w_q, w_k, w_v, mask=None):
    dtype = torch.promote_types(torch.promote_types(x.dtype, w_q.dtype), torch.promote_types(w_k.dtype, w_v.dtype))
    x, w_q, w_k, w_v = (t.to(dtype) for t in (x, w_q, w_k, w_v))
    q = torch.einsum("btd,dk->btk", x, w_q)
    k = torch.einsum("btd,dk->btk", x, w_k)
    v = torch.einsum("btd,dv->btv", x, w_v)
    scores = torch.einsum("bik,bjk->bij", q, k) / q.shape[-1] ** 0.5
    if mask is not None:
        scores = torch.where(mask, torch.tensor(float("-inf"), dtype=dtype), scores)
    weights = torch.nan_to_num(softmax(scores, axis=-1), nan=0.0)   # a row of -inf gives NaN: zeros
    return torch.einsum("bij,bjv->biv", weights, v)
