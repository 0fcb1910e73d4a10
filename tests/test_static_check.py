"""Forbidden imports and calls are found in the source, through aliases, without running it."""

import pytest

from graders.static_check import check_source

RULES = ("torch", "scipy.special.softmax", "sklearn")


def rules_hit(source, rules=RULES):
    return [(f.line, f.rule) for f in check_source(source, rules)]


@pytest.mark.parametrize("source, expected", [
    ("import torch", [(1, "torch")]),
    ("import torch.nn.functional as F", [(1, "torch")]),
    ("from torch import nn", [(1, "torch")]),
    ("from sklearn.cluster import KMeans", [(1, "sklearn")]),
    ("from scipy.special import softmax", [(1, "scipy.special.softmax")]),
    ("from scipy.special import softmax as s", [(1, "scipy.special.softmax")]),
    ("import scipy.special as sp\ny = sp.softmax(x)", [(2, "scipy.special.softmax")]),
    ("import scipy\ny = scipy.special.softmax(x)", [(2, "scipy.special.softmax")]),
    ("from scipy import special\ny = special.softmax(x)", [(2, "scipy.special.softmax")]),
    ("t = __import__('torch')", [(1, "torch")]),
    ("import importlib\nt = importlib.import_module('sklearn.cluster')", [(2, "sklearn")]),
    ("from graders.references import attention", [(1, "graders")]),  # the answer key, always forbidden
    ("def f():\n    import torch\n", [(2, "torch")]),
])
def test_forbidden_uses_are_found_with_their_line(source, expected):
    assert rules_hit(source) == expected


@pytest.mark.parametrize("source", [
    "import scipy.special as sp\ny = sp.logsumexp(x)",   # another function of an allowed module
    "import numpy as np\ntorch = np.ones(3)\ntorch.sum()",  # a local variable named like a module
    "import torchvision_like_name",                       # a prefix of a name is not the name
    "s = 'import torch'  # torch in a string or comment",
    "from . import torch",                                 # a relative import is the learner's own file
])
def test_allowed_code_is_not_flagged(source):
    assert rules_hit(source) == []


def test_syntax_errors_propagate():
    with pytest.raises(SyntaxError):
        check_source("def f(:\n", RULES)


TORCH_RULES = ("numpy", "torch.softmax", "torch.nn.functional.softmax", "torch.special", "torch.autograd",
               "torch.Tensor.softmax", "torch.Tensor.log_softmax", "torch.Tensor.backward", "torch.Tensor.requires_grad_")


@pytest.mark.parametrize("source, expected", [
    ("import torch.nn.functional as F\ny = F.softmax(x, -1)", [(2, "torch.nn.functional.softmax")]),
    ("from torch.nn import functional as F\ny = F.softmax(x, dim=0)", [(2, "torch.nn.functional.softmax")]),
    ("y = x.softmax(-1)", [(1, "torch.Tensor.softmax")]),                      # a method: any object
    ("y = (x - m).log_softmax(dim=1)", [(1, "torch.Tensor.log_softmax")]),
    ("import torch\ny = torch.Tensor.softmax(x, 0)", [(2, "torch.Tensor.softmax")]),
    ("loss.backward()", [(1, "torch.Tensor.backward")]),
    ("w = w.requires_grad_()", [(1, "torch.Tensor.requires_grad_")]),
    ("import torch\ng = torch.autograd.grad(loss, x)", [(2, "torch.autograd")]),
    ("from torch.special import logsumexp", [(1, "torch.special")]),
    ("import numpy as np", [(1, "numpy")]),
])
def test_torch_forbidden_calls_as_learners_write_them(source, expected):
    assert rules_hit(source, TORCH_RULES) == expected


@pytest.mark.parametrize("source", [
    "import torch\ny = torch.exp(x - x.amax(dim=-1, keepdim=True))",
    "def softmax(x, axis=-1):\n    return x\ny = softmax(x)",     # the learner's own function, called by name
    "import torch.nn.functional as F\nh = F.one_hot(labels, 5)",
    "class Linear:\n    def backward(self, g):\n        return g\ng = Linear().backward(g)",  # its own method
])
def test_torch_code_that_writes_the_operation_is_allowed(source):
    assert rules_hit(source, TORCH_RULES) == []


def test_only_rules_naming_a_class_method_forbid_a_method_name():
    from graders.static_check import method_rules

    assert method_rules(("torch.Tensor.softmax", "torch.nn.MultiheadAttention", "scipy.special.softmax")) == {
        "softmax": "torch.Tensor.softmax"}
    assert rules_hit("y = sp.softmax(x)", ("scipy.special.softmax",)) == []   # not a method rule
