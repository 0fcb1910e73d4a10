import numpy as np


def sigmoid(z):
    """1 / (1 + exp(-z)), elementwise.

    z: ndarray of any shape. Returns the same shape and float dtype (float32 in, float32 out).
    Must not overflow for |z| up to 1e4 (sigmoid(1e4) == 1, sigmoid(-1e4) == 0 or tiny) and must
    emit no RuntimeWarning. z is not modified.
    """
    raise NotImplementedError


def logreg_loss_and_grad(X, y, w, b, l2=0.0):
    """Regularised logistic loss and its gradients.

    X: (n, d) float array; y: (n,) labels in {0, 1}, ints or floats; w: (d,) float array; b: float.
    Returns (loss, dw, db):
      loss: float, the mean over the n samples of the binary cross-entropy of sigmoid(X @ w + b)
            against y, plus 0.5 * l2 * ||w||^2 (the bias is not penalised); computed from the
            logits, so it is the true loss even when predictions saturate (logits of 1e4): no
            clipping, no NaN, no RuntimeWarning;
      dw:   (d,) d loss / d w (the penalty contributes l2 * w), dtype np.result_type(X, w);
      db:   float, d loss / d b.
    The inputs are not modified.
    """
    raise NotImplementedError


def predict_proba(X, w, b):
    """P(y = 1 | x) = sigmoid(X @ w + b) for every row of X.

    X: (n, d); w: (d,); b: float. Returns (n,) in dtype np.result_type(X, w); no RuntimeWarning.
    """
    raise NotImplementedError


def logreg_sgd(X, y, lr=0.1, epochs=10, l2=1e-4, batch_size=32, seed=0):
    """Train logistic regression with minibatch SGD.

    Start from w = 0 (d,), b = 0. Every epoch, shuffle the samples with one generator seeded by
    `seed` (a new order each epoch), cut the order into consecutive minibatches of batch_size
    (the last one smaller if batch_size does not divide n, and used), and for each minibatch step
    w -= lr * dw, b -= lr * db with the gradients of that minibatch's mean loss + 0.5 * l2 * ||w||^2.
    Returns (w, b): w (d,) in X's float dtype, b a float. Deterministic for a seed; never uses
    the global np.random / random state; X and y are not modified.
    """
    raise NotImplementedError
