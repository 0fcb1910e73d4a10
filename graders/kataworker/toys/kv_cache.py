"""Trusted helper of the kv_cache kata's hidden tests: a stopwatch for the solution's decode_step.

It runs inside the worker so the time measured is the decode step alone: no pipe, no encoding of
the arguments, and CPU time of this process, so waiting for a core on a busy machine is not counted.
"""

import gc
import sys
import time

import numpy as np


class DecodeStopwatch:
    """`seconds(x_new, w_q, w_k, w_v, w_o, cache, num_heads)`: the CPU seconds one call of the
    solution's decode_step takes (the garbage collector paused during the call, as timeit does)."""

    def __init__(self):
        # The worker imports the learner's file as the module "solution" (graders/kataworker/worker.py).
        self.decode_step = sys.modules["solution"].decode_step

    def seconds(self, x_new, w_q, w_k, w_v, w_o, cache, num_heads):
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            start = time.process_time_ns()
            self.decode_step(x_new, w_q, w_k, w_v, w_o, cache, num_heads)
            return (time.process_time_ns() - start) * 1e-9
        finally:
            if gc_was_enabled:
                gc.enable()


def numpy_type(name):
    """np.float32 or np.float64 itself, for a `dtype=` argument: the wire carries arrays and plain
    data, not NumPy types, so a test builds the type here with `make` and passes its handle."""
    return {"float32": np.float32, "float64": np.float64}[name]
