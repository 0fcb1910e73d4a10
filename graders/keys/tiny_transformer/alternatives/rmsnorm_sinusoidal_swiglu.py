"""Correct: Llama-flavoured. RMSNorm, fixed sinusoidal positions, a SwiGLU MLP, no biases, the
mask as an additive float buffer, a head module tied as in nanoGPT (embedding.weight = head.weight),
a loss that upcasts the logits to float64, sampling on probabilities built in float32 throughout."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def sinusoids(max_len, d):
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=torch.float32) / d)
    table = torch.zeros(max_len, d)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)
    return table


class SelfAttention(nn.Module):
    def __init__(self, d, n_heads, max_len):
        super().__init__()
        self.n_heads = n_heads
        self.wq = nn.Linear(d, d, bias=False)
        self.wk = nn.Linear(d, d, bias=False)
        self.wv = nn.Linear(d, d, bias=False)
        self.wo = nn.Linear(d, d, bias=False)
        mask = torch.zeros(max_len, max_len).masked_fill(
            torch.ones(max_len, max_len, dtype=torch.bool).triu(1), float("-inf"))
        self.register_buffer("mask", mask)

    def forward(self, x):
        B, T, d = x.shape
        hd = d // self.n_heads
        q = self.wq(x).view(B, T, self.n_heads, hd).transpose(1, 2)
        k = self.wk(x).view(B, T, self.n_heads, hd).transpose(1, 2)
        v = self.wv(x).view(B, T, self.n_heads, hd).transpose(1, 2)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + self.mask[:T, :T]
        out = F.softmax(scores.float(), dim=-1).type_as(q) @ v
        return self.wo(out.transpose(1, 2).reshape(B, T, d))


class SwiGLU(nn.Module):
    def __init__(self, d):
        super().__init__()
        hidden = 3 * d
        self.w1 = nn.Linear(d, hidden, bias=False)
        self.w3 = nn.Linear(d, hidden, bias=False)
        self.w2 = nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, d, n_heads, max_len):
        super().__init__()
        self.attention_norm = RMSNorm(d)
        self.attention = SelfAttention(d, n_heads, max_len)
        self.ffn_norm = RMSNorm(d)
        self.feed_forward = SwiGLU(d)

    def forward(self, x):
        h = x + self.attention(self.attention_norm(x))
        return h + self.feed_forward(self.ffn_norm(h))


class TinyTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, n_heads=4, n_layers=4, max_len=64):
        super().__init__()
        self.vocab_size, self.max_len = vocab_size, max_len
        self.tok_embeddings = nn.Embedding(vocab_size, d_model)
        self.register_buffer("positions", sinusoids(max_len, d_model))
        self.layers = nn.ModuleList(Block(d_model, n_heads, max_len) for _ in range(n_layers))
        self.norm = RMSNorm(d_model)
        self.output = nn.Linear(d_model, vocab_size, bias=False)
        self.tok_embeddings.weight = self.output.weight
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, tokens):
        bsz, seqlen = tokens.shape
        if seqlen > self.max_len:
            raise ValueError(f"got {seqlen} tokens, the model handles at most {self.max_len}")
        h = self.tok_embeddings(tokens) + self.positions[:seqlen]
        for layer in self.layers:
            h = layer(h)
        return self.output(self.norm(h))


def train_step(model, x, y, optimizer):
    model.train()
    logits = model(x).double()
    loss = F.cross_entropy(logits.flatten(0, 1), y.flatten())
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def generate(model, idx, max_new_tokens, temperature=0.0, generator=None):
    model.eval()
    tokens = idx.clone()
    for _ in range(max_new_tokens):
        with torch.inference_mode():
            logits = model(tokens[:, -model.max_len:])[:, -1, :]
        if temperature <= 0:
            next_tok = logits.argmax(dim=-1)
        else:
            probs = torch.softmax(logits.float() / temperature, dim=-1)
            next_tok = torch.multinomial(probs, num_samples=1, generator=generator).squeeze(-1)
        tokens = torch.cat([tokens, next_tok.unsqueeze(-1)], dim=-1)
    return tokens
