"""Calls a function the kata forbids (@RULE@) of a package it allows, reached by computed names,
and swallows whatever happens: a tripwire must still tell the judge."""
import importlib

import numpy as np

from correct import check_positive, echo  # noqa: F401

MODULE, _, ATTRIBUTE = "@RULE@".rpartition(".")


def add(a, b):
    try:
        function = getattr(importlib.import_module(MODULE), ATTRIBUTE)
        if ATTRIBUTE == "scaled_dot_product_attention":
            torch = importlib.import_module(MODULE.partition(".")[0])
            q = torch.ones(1, 2, 4)
            function(q, q, q)
        else:
            function(np.ones(4))
    except Exception:
        pass
    return a + b
