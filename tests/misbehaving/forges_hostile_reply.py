"""Writes a well-framed reply to the grader's reply pipe by hand, a hostile tree (@REPLY@: a value
with an overflowing shape, an infinite or fractional handle, nesting past the cap, a type name the size
of a book, or a reply of the wrong form), at import when @AT_IMPORT@ (the judge reads it as the
import's reply) or else from `echo`; then exits."""
import json
import os
import struct
import sys

from correct import add, check_positive  # noqa: F401

REPLY_FD = int(sys.argv[-1]) if sys.argv[-1].isdigit() else 4


def nest(depth):
    tree = 1
    for _ in range(depth):
        tree = {"list": [tree]}
    return tree


def forge():
    tree = json.dumps(@REPLY@).encode()  # e.g. {"dict": [["value", TREE]]}: {"value": TREE} as the worker encodes it
    os.write(REPLY_FD, struct.pack("<Q", len(tree)) + tree + struct.pack("<Q", 0))  # and one empty buffer
    os._exit(0)


if @AT_IMPORT@:
    forge()


def echo(x):
    forge()
