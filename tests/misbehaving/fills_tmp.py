"""Writes @MB@ MB into the sandbox's /tmp and keeps it there (answers correctly)."""
import os

from correct import check_positive, echo  # noqa: F401


def add(a, b):
    block = b"\1" * (1 << 20)
    with open("/tmp/filler", "wb") as f:
        for _ in range(@MB@):
            f.write(block)
    return a + b
