"""Correct: RMSNorm, no biases anywhere, learned positions, separate q/k/v projections per block, a
ReLU^2 MLP, and an untied-then-retied init: the head keeps nn.Linear's default uniform init and the
embedding is then pointed at it (tok_emb.weight = head.weight), so both read one Parameter."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.scale = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        rms = torch.sqrt(torch.mean(x * x, dim=-1, keepdim=True) + self.eps)
        return self.scale * (x / rms)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        if dim % heads != 0:
            raise ValueError("dim must be a multiple of heads")
        self.heads, self.head_dim = heads, dim // heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(dim, dim, bias=False)
        self.to_v = nn.Linear(dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim, bias=False)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = (f(x).reshape(b, n, self.heads, self.head_dim).transpose(1, 2)
                   for f in (self.to_q, self.to_k, self.to_v))
        dots = torch.einsum("bhid,bhjd->bhij", q, k) * self.head_dim ** -0.5
        allowed = torch.ones(n, n, dtype=torch.bool, device=x.device).tril()
        dots = dots.masked_fill(~allowed, torch.finfo(dots.dtype).min)
        attn = dots.softmax(dim=-1)
        out = torch.einsum("bhij,bhjd->bhid", attn, v)
        return self.to_out(out.transpose(1, 2).reshape(b, n, d))


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.up = nn.Linear(dim, 4 * dim, bias=False)
        self.down = nn.Linear(4 * dim, dim, bias=False)

    def forward(self, x):
        return self.down(F.relu(self.up(x)).square())


class Layer(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm_attn, self.attn = RMSNorm(dim), Attention(dim, heads)
        self.norm_ff, self.ff = RMSNorm(dim), FeedForward(dim)

    def forward(self, x):
        x = self.attn(self.norm_attn(x)) + x
        return self.ff(self.norm_ff(x)) + x


class TinyTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, n_heads=4, n_layers=4, max_len=64):
        super().__init__()
        self.max_len = max_len
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.tok_emb.weight = self.head.weight
        self.pos_emb = nn.Embedding(max_len, d_model)
        nn.init.normal_(self.pos_emb.weight, std=0.02)
        self.layers = nn.ModuleList(Layer(d_model, n_heads) for _ in range(n_layers))
        self.norm = RMSNorm(d_model)

    def forward(self, idx):
        n = idx.shape[-1]
        if n > self.max_len:
            raise ValueError(f"{n} tokens > max_len {self.max_len}")
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(n, device=idx.device))
        for layer in self.layers:
            x = layer(x)
        return self.head(self.norm(x))


def train_step(model, x, y, optimizer):
    model.train()
    optimizer.zero_grad()
    logits = model(x)
    loss = F.nll_loss(F.log_softmax(logits, dim=-1).flatten(0, 1), y.flatten())
    loss.backward()
    optimizer.step()
    return float(loss.item())


def generate(model, idx, max_new_tokens, temperature=0.0, generator=None):
    model.eval()
    out = idx
    with torch.no_grad():
        for _ in range(max_new_tokens):
            last = model(out[:, -model.max_len:])[:, -1]
            if temperature > 0:
                nxt = torch.multinomial(F.softmax(last / temperature, dim=-1), 1, generator=generator)
            else:
                nxt = last.argmax(-1, keepdim=True)
            out = torch.cat([out, nxt], dim=1)
    return out
