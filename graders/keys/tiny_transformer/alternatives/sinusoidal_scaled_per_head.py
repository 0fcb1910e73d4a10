"""Correct: Vaswani-style sinusoidal positions added to sqrt(d_model)-scaled embeddings, one module per
head, torch's RMSNorm, a SiLU MLP, dropout 0.05. Written from prompt.md and starter.py; the first
version of the learning test (position parity) failed it: held-out loss still above 0.05 at 400 steps."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Head(nn.Module):
    def __init__(self, d_model, d_head, p):
        super().__init__()
        self.key = nn.Linear(d_model, d_head, bias=False)
        self.query = nn.Linear(d_model, d_head, bias=False)
        self.value = nn.Linear(d_model, d_head, bias=False)
        self.dropout = nn.Dropout(p)

    def forward(self, x):
        T = x.shape[1]
        k, q, v = self.key(x), self.query(x), self.value(x)
        wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
        tril = torch.tril(torch.ones(T, T, dtype=torch.bool))
        wei = wei.masked_fill(~tril, float("-inf"))
        wei = self.dropout(F.softmax(wei, dim=-1))
        return wei @ v


class Block(nn.Module):
    def __init__(self, d_model, n_heads, p):
        super().__init__()
        if d_model % n_heads:
            raise ValueError("d_model must be divisible by n_heads")
        self.heads = nn.ModuleList(Head(d_model, d_model // n_heads, p) for _ in range(n_heads))
        self.proj = nn.Linear(d_model, d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.SiLU(), nn.Linear(4 * d_model, d_model),
                                nn.Dropout(p))
        self.norm1 = nn.RMSNorm(d_model)
        self.norm2 = nn.RMSNorm(d_model)

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.proj(torch.cat([head(h) for head in self.heads], dim=-1))
        return x + self.ff(self.norm2(x))


class TinyTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, n_heads=4, n_layers=4, max_len=64):
        super().__init__()
        self.d_model, self.max_len = d_model, max_len
        self.embedding = nn.Embedding(vocab_size, d_model)
        pos = torch.arange(max_len)[:, None]
        i = torch.arange(0, d_model, 2)[None, :]
        angle = pos / 10000 ** (i / d_model)
        pe = torch.stack([angle.sin(), angle.cos()], dim=-1).flatten(1)  # interleaved sin, cos
        self.register_buffer("pe", pe)
        self.blocks = nn.Sequential(*[Block(d_model, n_heads, 0.05) for _ in range(n_layers)])
        self.norm = nn.RMSNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.head.weight = self.embedding.weight
        nn.init.normal_(self.embedding.weight, std=d_model ** -0.5)

    def forward(self, idx):
        T = idx.shape[1]
        if T > self.max_len:
            raise ValueError(f"T={T} exceeds max_len={self.max_len}")
        x = self.embedding(idx) * math.sqrt(self.d_model) + self.pe[:T]
        return self.head(self.norm(self.blocks(x)))


def train_step(model, x, y, optimizer):
    model.train()
    optimizer.zero_grad()
    logits = model(x)
    B, T, V = logits.shape
    loss = F.cross_entropy(logits.view(B * T, V), y.view(B * T))
    loss.backward()
    optimizer.step()
    return loss.item()


@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=0.0, generator=None):
    model.eval()
    for _ in range(max_new_tokens):
        logits = model(idx[:, -model.max_len:])[:, -1, :]
        if temperature == 0:
            nxt = logits.argmax(dim=-1, keepdim=True)
        else:
            nxt = torch.multinomial(F.softmax(logits / temperature, dim=-1), 1, generator=generator)
        idx = torch.cat([idx, nxt], dim=1)
    return idx
