"""`add` returns @MB@ MiB of bytes, well-formed and under the wire's cap: the hidden test reports the
wrong answer, and must do so without formatting the whole value (a repr of 4 characters a byte)."""
from correct import check_positive, echo  # noqa: F401


def add(a, b):
    return bytes(@MB@ * 2**20)
