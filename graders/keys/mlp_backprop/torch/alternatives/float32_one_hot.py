"""Correct: everything in the inputs' own dtype (float32 stays float32 inside), torch.relu, a one-hot from
F.one_hot(y, C), the ReLU mask taken from the activations (h > 0), the loss returned as a 0-d tensor of
the inputs' dtype, and the update as p.sub_(g, alpha=lr)."""

import torch
import torch.nn.functional as F


def mlp_loss_and_grads(x, y, W1, b1, W2, b2):
    N, C = x.shape[0], W2.shape[1]
    h = torch.relu(x @ W1 + b1)
    logits = h @ W2 + b2
    shifted = logits - logits.amax(dim=1, keepdim=True)
    logp = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    onehot = F.one_hot(y, C).to(x.dtype)
    loss = -(onehot * logp).sum() / N
    dlogits = (logp.exp() - onehot) / N
    dz1 = (dlogits @ W2.T) * (h > 0)
    return loss, {"W1": x.T @ dz1, "b1": dz1.sum(dim=0), "W2": h.T @ dlogits, "b2": dlogits.sum(dim=0)}


def mlp_train_step(x, y, W1, b1, W2, b2, lr=1e-2):
    loss, grads = mlp_loss_and_grads(x, y, W1, b1, W2, b2)
    for p, name in zip((W1, b1, W2, b2), ("W1", "b1", "W2", "b2")):
        p.sub_(grads[name], alpha=lr)
    return loss
