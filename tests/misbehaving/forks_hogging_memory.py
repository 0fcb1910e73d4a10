"""Forks @CHILDREN@ children that each take as much memory as the per-process cap allows (touching
every page) and hold it, then answers correctly: memory_mb counted per process lets the sandbox
use several times its cap."""
import ctypes
import os
import select
import time

from correct import check_positive, echo  # noqa: F401


def _hog():
    held = []
    try:
        while True:
            chunk = bytearray(8 << 20)
            chunk[::4096] = b"\1" * len(range(0, len(chunk), 4096))
            held.append(chunk)
    except MemoryError:
        pass
    return held


def add(a, b):
    read_end, write_end = os.pipe()
    children = set()
    for _ in range(@CHILDREN@):
        pid = os.fork()
        if pid == 0:
            ctypes.CDLL(None).prctl(15, b"kata-hog-4245")  # PR_SET_NAME: for the test to look for
            held = _hog()
            os.write(write_end, b"%d\n" % (len(held) * 8))
            time.sleep(60)
            os._exit(0)
        children.add(pid)
    holding, deadline = b"", time.monotonic() + 20
    while holding.count(b"\n") + (@CHILDREN@ - len(children)) < @CHILDREN@ and time.monotonic() < deadline:
        if select.select([read_end], [], [], 0.2)[0]:
            holding += os.read(read_end, 4096)
        children = {pid for pid in children if os.waitpid(pid, os.WNOHANG)[0] == 0}  # killed ones leave
    return a + b
