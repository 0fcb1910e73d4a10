"""Splits heads with reshape(B, H, T, d_head) instead of view(B, T, H, d_head).transpose(1, 2): heads mix positions, and the future leaks."""


import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which query t attends to keys 0..t only."""

    def __init__(self, d_model, n_heads):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} is not divisible by n_heads={n_heads}")
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)       # Q, K and V projections in one matmul
        self.proj = nn.Linear(d_model, d_model)          # mixes the heads back together

    def forward(self, x):                                                   # x: (B, T, C)
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=-1)                              # each (B, T, C)
        q, k, v = (t.reshape(B, self.n_heads, T, C // self.n_heads)
                   for t in (q, k, v))                                      # each (B, H, T, d_head)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))            # (B, H, T, T)
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)  # (T, T)
        scores = scores.masked_fill(future, float("-inf"))   # key j > query i: weight exactly 0
        weights = scores.softmax(dim=-1)     # the row max is over visible keys: the future cannot leak
        out = weights @ v                                                   # (B, H, T, d_head)
        out = out.transpose(1, 2).reshape(B, T, C)                          # heads side by side
        return self.proj(out)


class MLP(nn.Module):
    def __init__(self, d_model):
        super().__init__()
        self.up = nn.Linear(d_model, 4 * d_model)
        self.down = nn.Linear(4 * d_model, d_model)

    def forward(self, x):                                                   # (B, T, C)
        return self.down(F.gelu(self.up(x)))


class Block(nn.Module):
    """Pre-norm: each sublayer reads a normalised copy and adds its output to the residual stream."""

    def __init__(self, d_model, n_heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = MLP(d_model)

    def forward(self, x):                                                   # (B, T, C)
        x = x + self.attn(self.ln1(x))
        x = x + self.mlp(self.ln2(x))
        return x


class TinyTransformer(nn.Module):
    """Decoder-only language model: idx (B, T) int64 -> next-token logits (B, T, vocab_size)."""

    def __init__(self, vocab_size, d_model=128, n_heads=4, n_layers=4, max_len=64):
        super().__init__()
        self.max_len = max_len
        self.tok_emb = nn.Embedding(vocab_size, d_model)                    # (V, C)
        self.pos_emb = nn.Embedding(max_len, d_model)                       # (max_len, C)
        self.blocks = nn.ModuleList(Block(d_model, n_heads) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight        # tied: the same Parameter object, (V, C)
        self.apply(_init_weights)

    def forward(self, idx):                                                 # idx: (B, T) int64
        B, T = idx.shape
        if T > self.max_len:
            raise ValueError(f"sequence length {T} is longer than max_len={self.max_len}")
        positions = torch.arange(T, device=idx.device)                      # (T,)
        x = self.tok_emb(idx) + self.pos_emb(positions)                     # (B, T, C)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))                                      # (B, T, V)


def _init_weights(module):
    """GPT-2 style: small normal weights, zero biases (LayerNorms keep weight 1, bias 0)."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


def train_step(model, x, y, optimizer):
    """One optimisation step on a batch; returns the mean cross-entropy BEFORE the step, as a float.

    x, y: (B, T) int64; y[b, t] is the token that follows x[b, t] (the caller already shifted it)."""
    model.train()
    logits = model(x)                                                       # (B, T, V)
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))  # mean over B*T
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()


@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=0.0, generator=None):
    """Append max_new_tokens tokens to idx (B, T) -> (B, T + max_new_tokens), the prompt first.

    Runs the model in eval mode on the last max_len tokens; temperature 0 takes the argmax,
    temperature > 0 samples from softmax(logits / temperature) with `generator`."""
    was_training = model.training
    model.eval()
    for _ in range(max_new_tokens):
        context = idx[:, -model.max_len:]                                   # (B, <= max_len)
        logits = model(context)[:, -1, :]                                   # (B, V): the last position
        if temperature == 0:
            next_token = logits.argmax(dim=-1, keepdim=True)                # (B, 1)
        else:
            probs = F.softmax(logits / temperature, dim=-1)                 # (B, V)
            next_token = torch.multinomial(probs, num_samples=1, generator=generator)  # (B, 1)
        idx = torch.cat([idx, next_token], dim=1)
    model.train(was_training)
    return idx
