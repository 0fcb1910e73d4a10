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
