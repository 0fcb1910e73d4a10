"""Correct, other style: loops everywhere (one Linear per head, attention position by position), a
hand-written LayerNorm, learned position embeddings initialised to zeros (as minGPT does), ReLU,
a hand-written log-softmax loss, sampling by inverse CDF from torch.rand(generator=)."""

import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class MyLayerNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.g = nn.Parameter(torch.ones(d))
        self.b = nn.Parameter(torch.zeros(d))
        self.eps = eps

    def forward(self, x):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + self.eps) * self.g + self.b


class Head(nn.Module):
    def __init__(self, d_model, hd):
        super().__init__()
        self.q = nn.Linear(d_model, hd, bias=False)
        self.k = nn.Linear(d_model, hd, bias=False)
        self.v = nn.Linear(d_model, hd, bias=False)
        self.hd = hd

    def forward(self, x):
        B, T, _ = x.shape
        q, k, v = self.q(x), self.k(x), self.v(x)
        outs = []
        for t in range(T):
            # position t attends to 0..t only
            s = torch.einsum("bd,bsd->bs", q[:, t], k[:, : t + 1]) / math.sqrt(self.hd)
            w = torch.softmax(s, dim=-1)
            outs.append(torch.einsum("bs,bsd->bd", w, v[:, : t + 1]))
        return torch.stack(outs, dim=1)


class Block(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        if d_model % n_heads:
            raise ValueError("d_model must be divisible by n_heads")
        self.n1 = MyLayerNorm(d_model)
        self.heads = nn.ModuleList([Head(d_model, d_model // n_heads) for _ in range(n_heads)])
        self.o = nn.Linear(d_model, d_model)
        self.n2 = MyLayerNorm(d_model)
        self.fc1 = nn.Linear(d_model, 4 * d_model)
        self.fc2 = nn.Linear(4 * d_model, d_model)

    def forward(self, x):
        h = self.n1(x)
        x = x + self.o(torch.cat([hd(h) for hd in self.heads], dim=-1))
        x = x + self.fc2(F.relu(self.fc1(self.n2(x))))
        return x


class TinyTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, n_heads=4, n_layers=4, max_len=64):
        super().__init__()
        self.vocab_size = vocab_size
        self.max_len = max_len
        self.tok_emb = nn.Embedding(vocab_size, d_model)   # default N(0,1) init
        self.pos_emb = nn.Parameter(torch.zeros(max_len, d_model))
        self.layers = nn.ModuleList([Block(d_model, n_heads) for _ in range(n_layers)])
        self.norm = MyLayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight

    def forward(self, idx):
        T = idx.shape[1]
        if T > self.max_len:
            raise ValueError("too long")
        x = self.tok_emb(idx) + self.pos_emb[:T].unsqueeze(0)
        for layer in self.layers:
            x = layer(x)
        return self.head(self.norm(x))


def train_step(model, x, y, optimizer):
    optimizer.zero_grad(set_to_none=True)
    logits = model(x)
    B, T, V = logits.shape
    total = 0.0
    # explicit log-softmax + nll
    logp = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    nll = -logp.gather(-1, y.unsqueeze(-1)).squeeze(-1)
    loss = nll.sum() / (B * T)
    loss.backward()
    optimizer.step()
    return float(loss.item())


@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=0.0, generator=None):
    was_training = model.training
    model.eval()
    out = idx.clone()
    try:
        for _ in range(max_new_tokens):
            ctx = out[:, -model.max_len:] if out.shape[1] > model.max_len else out
            last = model(ctx)[:, -1, :].double()
            if temperature == 0:
                nxt = torch.argmax(last, dim=-1)
            else:
                p = torch.softmax(last / temperature, dim=-1)
                c = torch.cumsum(p, dim=-1)
                u = torch.rand(p.shape[0], 1, generator=generator, dtype=torch.float64)
                nxt = (c < u * c[:, -1:]).sum(dim=-1).clamp(max=p.shape[-1] - 1)
            out = torch.cat([out, nxt.to(torch.long).unsqueeze(1)], dim=1)
    finally:
        model.train(was_training)
    return out
