import torch


def sigmoid(z):
    """1 / (1 + exp(-z)), elementwise, written with torch ops (torch.sigmoid is not allowed).

    z: tensor of any shape, on the CPU. Returns the same shape and float dtype (float32 in, float32
    out). Exact at the extremes: sigmoid(1e4) == 1, sigmoid(-1e4) == 0 or tiny, never NaN.
    z is not modified (no in-place op on it).
    """
    raise NotImplementedError


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    """Regularised logistic loss and its gradients, by hand (no autograd).

    X: (n, d) float tensor; y: (n,) labels in {0, 1}, an int64 or float tensor; w: (d,) float tensor;
    b: a Python float.
    Returns (loss, dw, db):
      loss: a Python float (or a 0-d tensor), the mean over the n samples of the binary cross-entropy
            of sigmoid(X @ w + b) against y, plus 0.5 * l2 * ||w||^2 (the bias is not penalised);
            computed from the logits, so it is the true loss even when predictions saturate
            (logits of 1e4): no clipping, no inf, no NaN;
      dw:   (d,) tensor, d loss / d w (the penalty contributes l2 * w), dtype torch.promote_types of
            X and w (integer labels do not change it);
      db:   a Python float (or a 0-d tensor), d loss / d b.
    The inputs are not modified.
    """
    raise NotImplementedError


def predict_proba(X, w, b):
    """P(y = 1 | x) = sigmoid(X @ w + b) for every row of X.

    X: (n, d) tensor; w: (d,) tensor; b: a Python float. Returns an (n,) tensor (not (n, 2), not
    (n, 1)) in the promoted dtype of X and w; never NaN.
    """
    raise NotImplementedError


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    """Train logistic regression with minibatch SGD.

    Start from w = 0 (d,), b = 0. Every epoch, shuffle the samples with one generator seeded by the
    int `seed` (torch.Generator().manual_seed(seed), created once: a new order each epoch), cut the
    order into consecutive minibatches of batch_size (the last one smaller if batch_size does not
    divide n, and used), and for each minibatch step w -= lr * dw, b -= lr * db with the gradients
    of that minibatch's mean loss + 0.5 * l2 * ||w||^2.
    Returns (w, b): w a (d,) tensor in X's float dtype, b a Python float (or a 0-d tensor).
    Deterministic for a seed; never uses or reseeds torch's global generator (no torch.manual_seed,
    no torch.randperm without generator=); X and y are not modified.
    """
    raise NotImplementedError
