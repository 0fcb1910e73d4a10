"""The untrusted side of the boundary, standalone: the worker process, the wire format and the
trusted helper objects (toys) that tests build inside the worker.

This package imports nothing from `graders` and is run as its own top-level package (`kataworker`)
from a copy outside the repository, so a solution in the worker sees no grader, test or answer key.
The judge imports the same files as `graders.kataworker`.
"""
