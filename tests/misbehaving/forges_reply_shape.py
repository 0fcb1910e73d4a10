"""A well-framed reply of the wrong form: a list where the grader expects {"value": ...}."""
import json
import os
import struct
import sys

from correct import add, check_positive  # noqa: F401

REPLY_FD = int(sys.argv[-1]) if sys.argv[-1].isdigit() else 4


def echo(x):
    tree = json.dumps({"raised": {"type": 7}}).encode()
    os.write(REPLY_FD, struct.pack("<Q", len(tree)) + tree)
    return x
