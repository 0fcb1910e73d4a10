import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyTransformer(nn.Module):
    """A GPT-style decoder-only language model.

    vocab_size: number of token ids; d_model: width; n_heads: attention heads (d_model % n_heads == 0);
    n_layers: pre-norm blocks (x + attn(ln(x)), then x + mlp(ln(x))); max_len: the longest sequence.
    Token + position embeddings, causal multi-head self-attention, a final norm, and an output head
    whose weight IS the token embedding matrix (tied: one Parameter, head.weight = tok_emb.weight).
    Eval mode is deterministic (dropout, if you add any, is off in eval mode).
    """

    def __init__(self, vocab_size, d_model=128, n_heads=4, n_layers=4, max_len=64):
        raise NotImplementedError

    def forward(self, idx):
        """idx: LongTensor (B, T) -> logits (B, T, vocab_size); logits[:, t] predict token t + 1.

        Causal: position t sees tokens 0..t only, bit for bit (with the same (B, T), changing token p
        leaves the logits at positions < p identical). T == max_len works; T > max_len raises ValueError.
        """
        raise NotImplementedError


def train_step(model, x, y, optimizer):
    """One optimisation step on a batch; returns the loss BEFORE the step as a Python float.

    x, y: LongTensor (B, T); y[b, t] is the target at position t (the token after x[b, t], already
    shifted). Zero the gradients, compute the mean cross-entropy over all B*T positions, backpropagate,
    call optimizer.step() once: nothing more (no clipping, no accumulation). `optimizer` has
    torch.optim's zero_grad() / step().
    """
    raise NotImplementedError


@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=0.0, generator=None):
    """Autoregressive decoding -> LongTensor (B, T + max_new_tokens): the prompt idx (B, T), then the new tokens.

    Runs the model in eval mode, on the last max_len tokens once the sequence is longer than that.
    temperature == 0: greedy (argmax of the last position's logits). temperature > 0: sample from
    softmax(logits / temperature), drawing the randomness from `generator` (a torch.Generator, or
    None for the global one), so identically seeded generators give identical tokens.
    """
    raise NotImplementedError
