import torch


def mlp_loss_and_grads(x, y, W1, b1, W2, b2):
    """Mean softmax cross-entropy of a 2-layer ReLU MLP, and its gradients by manual backprop.

    x:  (N, D) float tensor      y:  (N,) int64 tensor of labels in [0, C)
    W1: (D, H)                   b1: (H,)
    W2: (H, C)                   b2: (C,)
    Forward: h = relu(x @ W1 + b1); logits = h @ W2 + b2;
             loss = mean over the N examples of -log softmax(logits)[y].
    Returns (loss, grads): loss a Python float (or a 0-d tensor), exact (a stable log-softmax, no
    epsilon or clipping inside a log; logits of magnitude 1e4 stay finite); grads a dict with exactly
    the keys "W1", "b1", "W2", "b2", each d loss / d param, computed by hand (no autograd), a tensor
    with that parameter's shape and the inputs' float dtype (float32 in, float32 out). ReLU'(0) = 0.
    N = 1 works. Modifies none of its inputs. Not allowed: autograd, F.cross_entropy, softmax and
    log_softmax in every spelling (see the prompt).
    """
    raise NotImplementedError


def mlp_train_step(x, y, W1, b1, W2, b2, lr=1e-2):
    """One SGD step on the parameters, in place; returns the loss BEFORE the step.

    Every parameter p becomes p - lr * d loss / d p, all gradients taken at the parameters before
    the step, written into the caller's tensors (W1 -= ..., W1.sub_(...) or W1.copy_(...); not
    W1 = W1 - ..., nor W1.data = ...). x and y are not modified.
    """
    raise NotImplementedError
