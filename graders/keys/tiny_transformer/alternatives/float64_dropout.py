"""Correct: a float64 model with dropout 0.1 (attention weights, residual branches, embeddings),
the mask built once as a buffer of max_len x max_len, the (B, V, T) form of cross_entropy, and a
generate that switches to eval mode and leaves it there."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, d_model, n_heads, max_len, dropout):
        super().__init__()
        self.h = n_heads
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.o = nn.Linear(d_model, d_model)
        self.drop = nn.Dropout(dropout)
        self.register_buffer("blocked", torch.ones(max_len, max_len, dtype=torch.bool).triu(1), persistent=False)

    def split(self, t):
        B, T, C = t.shape
        return t.view(B, T, self.h, C // self.h).permute(0, 2, 1, 3)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        att = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(C // self.h)
        att = att.masked_fill(self.blocked[:T, :T], -math.inf)
        att = self.drop(att.softmax(-1))
        y = torch.matmul(att, v).permute(0, 2, 1, 3).contiguous().view(B, T, C)
        return self.o(y)


class Block(nn.Module):
    def __init__(self, d_model, n_heads, max_len, dropout):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attn = Attention(d_model, n_heads, max_len, dropout)
        self.ff = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        x = x + self.drop(self.attn(self.n1(x)))
        return x + self.drop(self.ff(self.n2(x)))


class TinyTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, n_heads=4, n_layers=4, max_len=64, dropout=0.1):
        super().__init__()
        self.max_len = max_len
        self.embed = nn.Embedding(vocab_size, d_model)
        self.pos = nn.Parameter(torch.zeros(1, max_len, d_model))
        nn.init.normal_(self.pos, std=0.02)
        nn.init.normal_(self.embed.weight, std=0.02)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([Block(d_model, n_heads, max_len, dropout) for _ in range(n_layers)])
        self.norm = nn.LayerNorm(d_model)
        self.double()

    def forward(self, idx):
        if idx.size(1) > self.max_len:
            raise ValueError("idx is longer than max_len")
        x = self.drop(self.embed(idx) + self.pos[:, :idx.size(1)])
        for blk in self.blocks:
            x = blk(x)
        return F.linear(self.norm(x), self.embed.weight)


def train_step(model, x, y, optimizer):
    model.train()
    optimizer.zero_grad()
    logits = model(x)
    loss = F.cross_entropy(logits.transpose(1, 2), y)
    loss.backward()
    optimizer.step()
    return loss.item()


@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=0.0, generator=None):
    model.eval()
    for _ in range(max_new_tokens):
        logits = model(idx if idx.size(1) <= model.max_len else idx[:, -model.max_len:])[:, -1, :]
        if temperature > 0:
            nxt = torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1, generator=generator)
        else:
            nxt = torch.argmax(logits, dim=-1, keepdim=True)
        idx = torch.cat([idx, nxt], dim=-1)
    return idx
