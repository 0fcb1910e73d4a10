"""Alternative: a ring buffer with a write pointer, get() unrolled with torch.roll, the whole block
cast before the tail is written; attention per head with an explicit position-distance mask."""

import math

import torch


class SlidingWindowCache:
    def __init__(self, window, num_heads, d_head, dtype=torch.float32):
        if not window >= 1:
            raise ValueError(f"window={window}: need at least 1")
        self.window, self.shape, self.dtype = window, (num_heads, d_head), dtype
        self.keys = torch.zeros(window, num_heads, d_head, dtype=dtype)
        self.values = torch.zeros(window, num_heads, d_head, dtype=dtype)
        self.ptr = 0            # the slot the next token goes to
        self.count = 0          # tokens stored, <= window

    def append(self, k, v):
        if k.shape != v.shape or tuple(k.shape[-2:]) != self.shape or k.dim() not in (2, 3):
            raise ValueError(f"k {tuple(k.shape)} and v {tuple(v.shape)} must match and end in {self.shape}")
        k = k.reshape(-1, *self.shape).to(self.dtype)
        v = v.reshape(-1, *self.shape).to(self.dtype)
        for t in range(max(0, len(k) - self.window), len(k)):
            self.keys[self.ptr], self.values[self.ptr] = k[t], v[t]
            self.ptr = (self.ptr + 1) % self.window
            self.count = min(self.count + 1, self.window)

    def get(self):
        if self.count < self.window:
            return self.keys[:self.count].clone(), self.values[:self.count].clone()
        return torch.roll(self.keys, -self.ptr, dims=0), torch.roll(self.values, -self.ptr, dims=0)

    def __len__(self):
        return self.count


def softmax(s):
    e = torch.exp(s - s.max(dim=-1, keepdim=True).values)
    return e / e.sum(dim=-1, keepdim=True)


def _attend(x, w_q, w_k, w_v, w_o, cache, num_heads):
    out_dtype = torch.promote_types(torch.promote_types(torch.promote_types(x.dtype, w_q.dtype),
                                                        torch.promote_types(w_k.dtype, w_v.dtype)),
                                    torch.promote_types(w_o.dtype, cache.dtype))
    x = x.to(torch.float64)
    T, d_model = x.shape
    d_head = d_model // num_heads
    Q = x @ w_q.to(torch.float64)
    Kn = (x @ w_k.to(torch.float64)).reshape(T, num_heads, d_head)
    Vn = (x @ w_v.to(torch.float64)).reshape(T, num_heads, d_head)
    Kp, Vp = cache.get()
    S = Kp.shape[0]
    K = torch.cat([Kp, Kn.to(cache.dtype)], dim=0).to(torch.float64)
    V = torch.cat([Vp, Vn.to(cache.dtype)], dim=0).to(torch.float64)
    cache.append(Kn, Vn)
    qpos = torch.arange(S, S + T)[:, None]
    kpos = torch.arange(S + T)[None, :]
    blocked = (kpos > qpos) | (qpos - kpos >= cache.window)
    heads = []
    for h in range(num_heads):
        s = Q[:, h * d_head:(h + 1) * d_head] @ K[:, h].T / math.sqrt(d_head)
        s = s.masked_fill(blocked, -math.inf)
        heads.append(softmax(s) @ V[:, h])
    return (torch.cat(heads, dim=1) @ w_o.to(torch.float64)).to(out_dtype)


def sliding_prefill(x, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(x, w_q, w_k, w_v, w_o, cache, num_heads)


def sliding_decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads):
    return _attend(x_new[None, :], w_q, w_k, w_v, w_o, cache, num_heads)[0]
