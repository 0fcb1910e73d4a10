"""Writes by hand to the grader's reply pipe: garbage bytes, then a 40 MB reply of ten million
nodes, then a well-framed reply of the wrong form."""
import json
import os
import struct
import sys

from correct import check_positive  # noqa: F401

REPLY_FD = int(sys.argv[-1]) if sys.argv[-1].isdigit() else 4


def echo(x):
    os.write(REPLY_FD, b"\xff" * 64)
    return x


def add(a, b):
    tree = json.dumps({"value": {"list": [0] * 10_000_000}}).encode()
    os.write(REPLY_FD, struct.pack("<Q", len(tree)))
    view = memoryview(tree)
    while view:
        view = view[os.write(REPLY_FD, view):]
    return a + b
