"""Correct: one module per head and a Python loop over them, a tril mask compared with 0, PyTorch's
default initialisation (N(0, 1) embeddings), the head tied by assigning the embedding's Parameter,
greedy by torch.max, sampling by torch.multinomial on float64 probabilities; train_step
returns a NumPy float32 scalar."""

import torch
from torch import nn
from torch.nn import functional as F


class Head(nn.Module):
    def __init__(self, d_model, d_head, max_len):
        super().__init__()
        self.key = nn.Linear(d_model, d_head, bias=False)
        self.query = nn.Linear(d_model, d_head, bias=False)
        self.value = nn.Linear(d_model, d_head, bias=False)
        self.register_buffer("tril", torch.tril(torch.ones(max_len, max_len)))

    def forward(self, x):
        B, T, C = x.shape
        k = self.key(x)
        q = self.query(x)
        wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
        wei = F.softmax(wei, dim=-1)
        return wei @ self.value(x)


class MultiHead(nn.Module):
    def __init__(self, d_model, n_heads, max_len):
        super().__init__()
        self.heads = nn.ModuleList([Head(d_model, d_model // n_heads, max_len) for _ in range(n_heads)])
        self.proj = nn.Linear(d_model, d_model)

    def forward(self, x):
        return self.proj(torch.cat([h(x) for h in self.heads], dim=-1))


class Block(nn.Module):
    def __init__(self, d_model, n_heads, max_len):
        super().__init__()
        self.sa = MultiHead(d_model, n_heads, max_len)
        self.ffwd = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.ReLU(), nn.Linear(4 * d_model, d_model))
        self.ln1 = nn.LayerNorm(d_model)
        self.ln2 = nn.LayerNorm(d_model)

    def forward(self, x):
        x = x + self.sa(self.ln1(x))
        x = x + self.ffwd(self.ln2(x))
        return x


class TinyTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, n_heads=4, n_layers=4, max_len=64):
        super().__init__()
        self.max_len = max_len
        self.token_embedding_table = nn.Embedding(vocab_size, d_model)
        self.position_embedding_table = nn.Embedding(max_len, d_model)
        self.blocks = nn.Sequential(*[Block(d_model, n_heads, max_len) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab_size)
        self.lm_head.weight = self.token_embedding_table.weight

    def forward(self, idx):
        B, T = idx.shape
        if T > self.max_len:
            raise ValueError("sequence too long")
        tok = self.token_embedding_table(idx)
        pos = self.position_embedding_table(torch.arange(T))
        x = self.blocks(tok + pos)
        return self.lm_head(self.ln_f(x))


def train_step(model, x, y, optimizer):
    logits = model(x)
    B, T, V = logits.shape
    loss = F.cross_entropy(logits.view(B * T, V), y.view(B * T))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.detach().numpy()[()]  # a NumPy float32 scalar


def generate(model, idx, max_new_tokens, temperature=0.0, generator=None):
    model.eval()
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(idx[:, -model.max_len:])
            logits = logits[:, -1, :]
            if temperature == 0:
                _, next_id = torch.max(logits, dim=-1, keepdim=True)
            else:
                probs = F.softmax(logits.double() / temperature, dim=-1)
                next_id = torch.multinomial(probs, 1, generator=generator)
            idx = torch.cat((idx, next_id), dim=1)
    return idx
