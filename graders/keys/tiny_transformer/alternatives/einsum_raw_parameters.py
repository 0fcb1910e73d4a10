"""Correct: raw nn.Parameters and einsum, a hand-written LayerNorm, the head computed as
x @ W_E^T (tied by construction), an additive -inf mask, a log_softmax + gather loss, and
sampling by the Gumbel-max trick with uniform draws from the generator."""

import math

import torch
from torch import nn


def layer_norm(x, gain, bias, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * gain + bias


class Layer(nn.Module):
    def __init__(self, d, n_heads):
        super().__init__()
        self.n_heads = n_heads
        self.g1, self.b1 = nn.Parameter(torch.ones(d)), nn.Parameter(torch.zeros(d))
        self.g2, self.b2 = nn.Parameter(torch.ones(d)), nn.Parameter(torch.zeros(d))
        self.W_q = nn.Parameter(torch.randn(d, d) / math.sqrt(d))
        self.W_k = nn.Parameter(torch.randn(d, d) / math.sqrt(d))
        self.W_v = nn.Parameter(torch.randn(d, d) / math.sqrt(d))
        self.W_o = nn.Parameter(torch.randn(d, d) / math.sqrt(d) * 0.5)
        self.W_in = nn.Parameter(torch.randn(d, 4 * d) / math.sqrt(d))
        self.b_in = nn.Parameter(torch.zeros(4 * d))
        self.W_out = nn.Parameter(torch.randn(4 * d, d) / math.sqrt(4 * d) * 0.5)
        self.b_out = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        B, T, d = x.shape
        H = self.n_heads
        h = layer_norm(x, self.g1, self.b1)
        q = torch.einsum("btd,de->bte", h, self.W_q).reshape(B, T, H, d // H)
        k = torch.einsum("btd,de->bte", h, self.W_k).reshape(B, T, H, d // H)
        v = torch.einsum("btd,de->bte", h, self.W_v).reshape(B, T, H, d // H)
        scores = torch.einsum("bqhe,bkhe->bhqk", q, k) / math.sqrt(d // H)
        additive = torch.full((T, T), float("-inf")).triu(1)
        att = torch.softmax(scores + additive, dim=-1)
        out = torch.einsum("bhqk,bkhe->bqhe", att, v).reshape(B, T, d)
        x = x + out @ self.W_o
        h = layer_norm(x, self.g2, self.b2)
        return x + torch.relu(h @ self.W_in + self.b_in) @ self.W_out + self.b_out


class TinyTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, n_heads=4, n_layers=4, max_len=64):
        super().__init__()
        self.max_len = max_len
        self.W_E = nn.Parameter(0.1 * torch.randn(vocab_size, d_model))
        self.W_P = nn.Parameter(0.1 * torch.randn(max_len, d_model))
        self.layers = nn.ModuleList(Layer(d_model, n_heads) for _ in range(n_layers))
        self.g_f, self.b_f = nn.Parameter(torch.ones(d_model)), nn.Parameter(torch.zeros(d_model))

    def forward(self, idx):
        T = idx.shape[1]
        if T > self.max_len:
            raise ValueError(f"T={T} > max_len={self.max_len}")
        x = self.W_E[idx] + self.W_P[:T]
        for layer in self.layers:
            x = layer(x)
        return torch.einsum("btd,vd->btv", layer_norm(x, self.g_f, self.b_f), self.W_E)


def train_step(model, x, y, optimizer):
    optimizer.zero_grad()
    logp = torch.log_softmax(model(x), dim=-1)
    loss = -logp.gather(-1, y.unsqueeze(-1)).mean()
    loss.backward()
    optimizer.step()
    return loss.item()


def generate(model, idx, max_new_tokens, temperature=0.0, generator=None):
    was_training = model.training
    model.eval()
    out = idx
    for _ in range(max_new_tokens):
        with torch.no_grad():
            logits = model(out[:, -model.max_len:])[:, -1]
        if temperature == 0.0:
            nxt = logits.argmax(-1)
        else:
            u = torch.rand(logits.shape, generator=generator, dtype=torch.float64)
            gumbel = -torch.log(-torch.log(u))
            nxt = (logits.double() / temperature + gumbel).argmax(-1)
        out = torch.cat([out, nxt[:, None]], dim=1)
    model.train(was_training)
    return out
