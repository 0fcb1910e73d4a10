"""Trusted helpers the tiny_transformer tests build inside the worker, where the solution's model
lives: token tensors, seeds, optimizers, a probe that reads the model (its vocabulary-shaped
Parameters, next-token logits), a recorder of train/eval mode during forward passes, and a textbook
training step on a copy of the model. NumPy, torch and the standard library only."""

import copy
import math

import numpy as np
import torch
import torch.nn.functional as F


# -- tensors, seeds, optimizers ---------------------------------------------------------------------

def long_tensor(array):
    """An int64 tensor of token ids (a fresh, contiguous copy of a NumPy array)."""
    return torch.tensor(np.asarray(array, dtype=np.int64))


def seed(n):
    """torch.manual_seed(n): the model built next (and the next dropout masks) are reproducible."""
    torch.manual_seed(int(n))
    return int(n)


def generator(n):
    """A torch.Generator seeded with n, for generate(..., generator=...)."""
    g = torch.Generator()
    g.manual_seed(int(n))
    return g


class SGD:
    """Plain SGD, p <- p - lr * grad, with torch.optim's interface (zero_grad, step, param_groups).
    The toys' own optimizers: torch.optim's first use imports torch._dynamo (> 1 s per grade)."""

    def __init__(self, params, lr):
        self.param_groups = [{"params": list(params), "lr": lr}]
        self.state = {}

    def zero_grad(self, set_to_none=True):
        for p in self.param_groups[0]["params"]:
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_()
                    p.grad.zero_()

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for p in self.param_groups[0]["params"]:
            if p.grad is not None:
                self._update(p)
        return loss

    def _update(self, p):
        p.add_(p.grad, alpha=-self.param_groups[0]["lr"])


class AdamW(SGD):
    """torch.optim.AdamW's update (betas 0.9, 0.999, eps 1e-8, decoupled weight decay 0.01)."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay

    def _update(self, p):                      # torch.optim.AdamW's single-tensor arithmetic, op for op
        lr, (beta1, beta2) = self.param_groups[0]["lr"], self.betas
        state = self.state.setdefault(p, {"step": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)})
        state["step"] += 1
        p.mul_(1 - lr * self.weight_decay)
        state["m"].lerp_(p.grad, 1 - beta1)
        state["v"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
        step_size = lr / (1 - beta1 ** state["step"])
        denom = (state["v"].sqrt() / (1 - beta2 ** state["step"]) ** 0.5).add_(self.eps)
        p.addcdiv_(state["m"], denom, value=-step_size)


def adamw(model, lr):
    return AdamW(model.parameters(), lr)


def sgd(model, lr):
    return SGD(model.parameters(), lr)


def load_state_arrays(model, arrays):
    """Load `arrays` ({name: array}, from ModelProbe.state_arrays) into `model`, built alike -> model."""
    model.load_state_dict({name: torch.as_tensor(np.asarray(a)) for name, a in arrays.items()})
    return model


# -- reading the model ------------------------------------------------------------------------------

class ModelProbe:
    """Reads a model the solution built; every forward pass here runs in eval mode without gradients."""

    def __init__(self, model):
        self.model = model

    def vocab_shaped_parameters(self, vocab_size, d_model):
        """[(name, shape)] of the distinct Parameters shaped (vocab_size, d_model) or (d_model, vocab_size)
        (model.parameters() lists a shared Parameter once)."""
        return [(name, tuple(p.shape)) for name, p in self.model.named_parameters()
                if tuple(p.shape) in ((vocab_size, d_model), (d_model, vocab_size))]

    def logits_with_embedding_row_nudged(self, idx, name, vocab_size, token, nudge):
        """(logits of idx, logits of idx after adding the vector `nudge` (d_model,) to token `token`'s
        entries of the vocabulary-shaped Parameter `name`), both in eval mode; the Parameter is
        restored afterwards."""
        weight = dict(self.model.named_parameters())[name]
        row = weight[token] if weight.shape[0] == vocab_size else weight[:, token]   # a view, (d_model,)
        self.model.eval()
        with torch.no_grad():
            before = self.model(idx).detach().clone()
            saved = row.clone()
            row += torch.as_tensor(np.asarray(nudge), dtype=row.dtype)
            after = self.model(idx).detach().clone()
            row.copy_(saved)
        return before, after

    def state_arrays(self):
        """The model's state_dict as {name: array}, to load into the same model built in another process."""
        return {name: t.detach().cpu().numpy().copy() for name, t in self.model.state_dict().items()}

    def next_token_logits(self, seq, start, window):
        """Eval-mode logits for the token at each position p in [start, L) of seq (B, L), each from the
        model run on seq[:, max(0, p - window):p] (its last position): -> (B, L - start, V)."""
        self.model.eval()
        rows = []
        with torch.no_grad():
            for p in range(start, seq.shape[1]):
                rows.append(self.model(seq[:, max(0, p - window):p])[:, -1, :].detach().clone())
        return torch.stack(rows, dim=1)


class ModeRecorder:
    """Sends `log` (an EventLog lent by the judge) an event for every forward pass of `model` (called as
    model(...) or model.forward(...)) as it happens: ("model", whether the model or any of its submodules
    was in training mode then); and ("submodule", its mode) for every call of a submodule, for a
    solution that runs the submodules directly."""

    def __init__(self, model, log):
        original = model.forward

        def recording_forward(*args, **kwargs):
            log.record("model", any(m.training for m in model.modules()))
            return original(*args, **kwargs)

        model.forward = recording_forward             # an instance attribute wins over the class's method
        for module in model.modules():
            if module is not model:
                module.register_forward_pre_hook(lambda m, args: log.record("submodule", m.training))


class InputRecorder:
    """Sends `log` (an EventLog lent by the judge) ("input", idx as an int64 array) for every call of
    `model` (model(idx) or model.forward(idx)), as it happens."""

    def __init__(self, model, log):
        original = model.forward

        def recording_forward(idx, *args, **kwargs):
            log.record("input", idx.detach().cpu().numpy().astype(np.int64))
            return original(idx, *args, **kwargs)

        model.forward = recording_forward             # an instance attribute wins over the class's method


# -- a textbook training step on a copy of the model ------------------------------------------------

class TextbookTrainer:
    """A deep copy of the model (taken when built) trained by the textbook step with its own SGD:
    zero the gradients, mean cross-entropy over all B*T positions, backward, optimizer.step()."""

    def __init__(self, model, lr):
        self.model = copy.deepcopy(model)
        self.initial = {name: p.detach().clone() for name, p in self.model.named_parameters()}
        self.optimizer = SGD(self.model.parameters(), lr)

    def step(self, x, y, seed_before_forward):
        torch.manual_seed(int(seed_before_forward))   # the same dropout masks as the solution's step, if any
        self.model.train()
        logits = self.model(x)                                                   # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)).double(), y.reshape(-1))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def compare(self, model):
        """The solution's model against this copy, Parameter by Parameter: -> (name, max |difference|,
        max |how far this copy's Parameter moved|) for the Parameter with the largest difference."""
        theirs = dict(model.named_parameters())
        worst = ("", 0.0, 0.0)
        for name, p in self.model.named_parameters():
            if name not in theirs or theirs[name].shape != p.shape:
                return (name, float("inf"), 0.0)
            diff = (theirs[name].detach().double() - p.detach().double()).abs().max().item()
            diff = diff if math.isfinite(diff) else math.inf                   # NaN parameters count as far off
            if diff >= worst[1]:
                moved = (p.detach().double() - self.initial[name].double()).abs().max().item()
                worst = (name, diff, moved)
        return worst


# -- the lr_schedule level: a real torch.optim optimizer stepped under the solution's scheduler -------

def torch_sgd(lr):
    """torch.optim.SGD (one param group at `lr`) over one float64 Parameter: LambdaLR accepts only a real
    torch.optim.Optimizer. Building the first one imports torch._dynamo (1-4 s), so only the level's loop
    tests use it."""
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))], lr=lr)


def scheduled_sgd_run(optimizer, scheduler, steps):
    """The loop a scheduler is written for, `steps` times: gradient 1, optimizer.step(), scheduler.step().
    -> (the param group's lr before each optimizer.step(), how far each step moved the Parameter), two
    float64 arrays (steps,). The Parameter restarts at 0 every step, so plain SGD moves it by exactly lr."""
    (p,) = optimizer.param_groups[0]["params"]
    lrs, moves = [], []
    for _ in range(int(steps)):
        lrs.append(float(optimizer.param_groups[0]["lr"]))
        with torch.no_grad():
            p.zero_()
        p.grad = torch.ones_like(p)
        optimizer.step()
        moves.append(-p.item())
        scheduler.step()
    return np.array(lrs), np.array(moves)
