"""Correct: einsum everywhere, float64 inside, the one-hot made by scatter_ into zeros of the logits'
dtype, the label's log-probability picked with gather, the ReLU as torch.where, and the update as
p.copy_(p - lr * g) from float64."""

import torch


def _forward_backward(x, y, W1, b1, W2, b2):
    x, W1, b1, W2, b2 = (t.to(torch.float64) for t in (x, W1, b1, W2, b2))
    N = x.shape[0]
    z1 = torch.einsum("nd,dh->nh", x, W1) + b1
    h = torch.where(z1 > 0, z1, torch.zeros_like(z1))
    logits = torch.einsum("nh,hc->nc", h, W2) + b2
    m = logits.amax(dim=1, keepdim=True)
    lse = m + torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))     # (N, 1)
    loss = (lse - logits.gather(1, y.view(-1, 1))).mean()
    onehot = torch.zeros_like(logits).scatter_(1, y.view(-1, 1), 1.0)
    dlogits = (torch.exp(logits - lse) - onehot) / N
    dz1 = torch.where(z1 > 0, torch.einsum("nc,hc->nh", dlogits, W2), torch.zeros_like(z1))
    grads = {
        "W1": torch.einsum("nd,nh->dh", x, dz1),
        "b1": torch.einsum("nh->h", dz1),
        "W2": torch.einsum("nh,nc->hc", h, dlogits),
        "b2": torch.einsum("nc->c", dlogits),
    }
    return loss.item(), grads


def mlp_loss_and_grads(x, y, W1, b1, W2, b2):
    loss, grads = _forward_backward(x, y, W1, b1, W2, b2)
    return loss, {k: g.to(x.dtype) for k, g in grads.items()}


def mlp_train_step(x, y, W1, b1, W2, b2, lr=1e-2):
    loss, grads = _forward_backward(x, y, W1, b1, W2, b2)
    for p, name in zip((W1, b1, W2, b2), ("W1", "b1", "W2", "b2")):
        p.copy_(p.double() - lr * grads[name])
    return loss
