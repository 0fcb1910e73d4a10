"""The untrusted side: a subprocess that imports one solution file and runs calls on it.

Started by `graders.session.Worker` as
    python -I -c "<bootstrap>" WORKER_ROOT REQUEST_FD INPUTS_FD REPLY_FD
where WORKER_ROOT holds a standalone copy of this package, imported as `kataworker`, and INPUTS_FD
is a file the judge shares with the worker for `with_inputs` calls (below).
It answers each request with plain data (see `graders.wire`) and never decides a grade.
Requests:  {"op": "load", "path": str, "memory_mb": int, "max_processes": int|None,
            "forbidden": [rule], "report_fd": int, "framework": "numpy"|"torch"|None}
               first: limits, the attempt's forbidden list (guard.py), the framework (frameworks.py), import
           {"op": "call", "name": str, "args": list, "kwargs": dict}        a module-level name
               (+ "repeat": n: call it n times with the same arguments, reply the list of results)
               (+ "with_inputs": true: reply {"result", "args", "kwargs"}; "shared": [[where, key, offset,
                dtype, shape]] puts args[key] / kwargs[key] on the shared file, where the judge reads its data back)
           {"op": "method", "handle": Handle, "name": str, "args", "kwargs"} a method of a kept object
           {"op": "build", "make": Make}    build a trusted helper object, keep it, reply its Handle
           {"op": "release"}                                                 forget kept objects
Replies:   {"value": v}  or  {"raised": {"type", "bases", "message", "traceback"}}
Callbacks: while a request runs, a stand-in for an object that stays in the judge (a wire.Lent: a toy
           that counts its calls) sends {"callback": [id, method, args, kwargs]} on the reply pipe and
           reads the judge's {"value": v} or {"raised": {"type", "message"}} on the request pipe.
"""

import builtins
import importlib
import importlib.util
import mmap
import os
import resource
import sys
import traceback
import warnings

import numpy as np

from . import frameworks, guard, wire

# Objects the judge may ask the worker to build (rngs, toy models): trusted code only. "toys.X:Y"
# names this package's own toys module X.
MAKE_ALLOWED = ("numpy.random:default_rng", "toys.", "torch.")
FILE_BYTES = 64 * 2**20  # the largest file a solution may write


def main(request_fd, inputs_fd, reply_fd):
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.stdout.reconfigure(line_buffering=True)  # what a solution printed before a hang reaches the judge
    warnings.simplefilter("error", RuntimeWarning)  # the contract: no overflow/divide/invalid warnings
    reader = _Reader(request_fd)
    state = new_state(callback=_pipe_callback(reader, reply_fd), inputs_fd=inputs_fd)
    preload = os.environ.get("KATA_PRELOAD")  # a spare process imports the framework while it waits
    if preload:
        state["preloaded"] = {preload: frameworks.prepare(preload)}
    while True:
        try:
            request = wire.read_message(reader.read_exact)
        except EOFError:
            return
        try:
            reply = {"value": handle_request(request, state)}
        except BaseException as e:  # the solution may raise anything, SystemExit included
            reply = {"raised": describe(e)}
        try:
            data = wire.encode(reply, to_handle=lambda obj: keep(obj, state))
        except Exception as e:
            data = wire.encode({"raised": describe(e, note="the solution returned a value that cannot be graded: ")})
        sys.stdout.flush()  # what the solution printed reaches the judge's capture before the reply
        sys.stderr.flush()
        wire.write_message(reply_fd, data)


def new_state(callback=None, inputs_fd=None):
    """`callback(id, method, args, kwargs)` runs a method of an object lent by the judge; `inputs_fd`
    is the file shared with the judge for `with_inputs` calls (None: arguments are reported)."""
    return {"module": None, "kept": {}, "callback": callback, "inputs_fd": inputs_fd, "framework": None,
            "preloaded": {}}


def _pipe_callback(reader, reply_fd):
    """The callback of a worker process: a {"callback"} message on the reply pipe, the judge's answer
    read from the request pipe (while the judge waits for the reply to the current request)."""

    def callback(lent_id, method, args, kwargs):
        try:
            data = wire.encode({"callback": [lent_id, method, list(args), dict(kwargs)]})
        except wire.WireError as e:
            raise TypeError(f"`{method}` of an object that lives in the grader takes plain data: {e}") from None
        wire.write_message(reply_fd, data)
        answer = wire.read_message(reader.read_exact)
        if "raised" in answer:
            raise judge_raised(answer["raised"])
        return answer["value"]

    return callback


def judge_raised(info):
    """What a lent object raised in the judge, as the builtin exception type of that name."""
    kind = getattr(builtins, info["type"], None)
    if not (isinstance(kind, type) and issubclass(kind, Exception)):
        kind = RuntimeError
    return kind(info["message"])


def _stand_in(lent, state):
    """A stand-in for an object that stays in the judge: each of its `methods` calls back. Its answers
    are the judge's data, so they reach the solution through the seam, as arguments do (tensors for a
    PyTorch attempt)."""
    callback = state["callback"]
    if callback is None:
        raise RuntimeError("this worker cannot call back to the grader")

    def method(name):
        def call(self, *args, **kwargs):
            return frameworks.to_solution(callback(lent.id, name, args, kwargs), state["framework"])
        call.__name__ = name
        return call

    namespace = {name: method(name) for name in lent.methods}
    namespace["__repr__"] = lambda self: f"<{lent.type_name} in the grader>"
    return type(lent.type_name, (), namespace)()


def _shared_inputs(request, state, args, kwargs):
    """Put the arrays the judge wrote on the shared file in place of their arguments (in place)."""
    entries = request.get("shared") or []
    if not entries or state["inputs_fd"] is None:
        return
    span = max(offset + int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
               for _, _, offset, dtype, shape in entries)
    memory = mmap.mmap(state["inputs_fd"], span)  # the arrays own it: unmapped when the last one goes
    for where, key, offset, dtype, shape in entries:
        (args if where == "args" else kwargs)[key] = np.ndarray(shape, dtype=np.dtype(dtype), buffer=memory,
                                                                offset=offset)


def handle_request(request, state):
    """Run one request against `state` (see new_state); also used in-process by the benchmark."""
    op = request["op"]
    if op == "load":
        state["framework"] = request.get("framework")
        framework = state["framework"]  # torch only for a torch attempt (perhaps imported already: preloaded)
        framework_bytes = state["preloaded"][framework] if framework in state["preloaded"] else frameworks.prepare(framework)
        if "memory_mb" in request:  # the isolated worker (the benchmark's in-process twin sends none)
            limit = request["memory_mb"] * 2**20 + framework_bytes
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
            if request.get("max_processes"):  # in the sandbox only: outside it the count is all of the user's
                resource.setrlimit(resource.RLIMIT_NPROC, (request["max_processes"],) * 2)
            os.chdir(os.path.dirname(request["path"]))
        if request.get("forbidden"):
            guard.install(request["forbidden"], request["report_fd"], os.path.dirname(request["path"]),
                          needed=frameworks.worker_packages(framework))
        state["module"] = _import_solution(request["path"])
        return sorted(n for n in vars(state["module"]) if not n.startswith("_"))
    if op == "release":
        state["kept"].clear()
        return None
    if op == "build":
        return keep(_build(request["make"], state), state)
    args = [_build(a, state) for a in request["args"]]
    kwargs = {k: _build(v, state) for k, v in request["kwargs"].items()}
    _shared_inputs(request, state, args, kwargs)  # the judge's arrays, before the seam makes them tensors (views)
    args = frameworks.to_solution(args, state["framework"])
    kwargs = frameworks.to_solution(kwargs, state["framework"])
    if request.get("repeat"):  # n calls with the same arguments (one rng object advancing through them)
        results = [_call(op, request, state, args, kwargs) for _ in range(int(request["repeat"]))]
        frameworks.check_result(results, state["framework"])
        return results
    result = _call(op, request, state, args, kwargs)
    frameworks.check_result(result, state["framework"])
    if request.get("with_inputs"):  # the judge checks the inputs were not modified in place
        return {"result": result, "args": args, "kwargs": kwargs}
    return result


def _call(op, request, state, args, kwargs):
    name = request["name"]
    if op == "call":
        if not hasattr(state["module"], name):
            raise _MissingName(f"the solution defines no `{name}`")
        return getattr(state["module"], name)(*args, **kwargs)
    if op == "method":
        obj = state["kept"][request["handle"].id]
        if name == "__iter__":
            return list(obj)
        if name == "__len__":
            return len(obj)
        if name.startswith("_") and name not in ("__getitem__", "__call__"):
            raise _MissingName(f"private attribute {name}")
        if not hasattr(obj, name):
            raise _MissingName(f"the solution's {type(obj).__name__} has no `{name}`")
        return getattr(obj, name)(*args, **kwargs)
    raise ValueError(f"unknown op {op!r}")


def _import_solution(path):
    spec = importlib.util.spec_from_file_location("solution", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["solution"] = module  # dataclasses and pickling look a class's module up here
    sys.path.insert(0, os.path.dirname(path))  # a solution may import a helper file beside it
    spec.loader.exec_module(module)
    return module


def _build(value, state):
    """Turn Handles back into the kept objects and Makes into trusted helper objects."""
    if isinstance(value, wire.Handle):
        return state["kept"][value.id]
    if isinstance(value, wire.Lent):
        return _stand_in(value, state)
    if isinstance(value, wire.Make):
        if not any(value.factory == a or (a.endswith(".") and value.factory.startswith(a)) for a in MAKE_ALLOWED):
            raise ValueError(f"factory {value.factory!r} is not allowed")
        module_name, _, attr = value.factory.partition(":")
        if module_name.startswith("toys."):
            module_name = f"{__package__}.{module_name}"
        factory = (frameworks.factory_for(value.factory, state.get("framework"))
                   or getattr(importlib.import_module(module_name), attr))
        return factory(*[_build(a, state) for a in value.args], **{k: _build(v, state) for k, v in value.kwargs.items()})
    if isinstance(value, list):
        return [_build(v, state) for v in value]
    if isinstance(value, tuple):
        return tuple(_build(v, state) for v in value)
    if isinstance(value, dict):
        return {k: _build(v, state) for k, v in value.items()}
    return value


def keep(obj, state):
    """Keep `obj` in the worker for later requests -> its Handle."""
    handle = wire.Handle(len(state["kept"]) + 1, type(obj).__name__)
    while handle.id in state["kept"]:
        handle.id += 1
    state["kept"][handle.id] = obj
    return handle


class _MissingName(Exception):
    pass


def describe(e, note=""):
    """An exception as plain data: type, builtin bases, message, the last frames of the solution."""
    kind = {_MissingName: "MissingName", frameworks.WrongType: "WrongType"}.get(type(e), type(e).__name__)
    bases = [c.__name__ for c in type(e).__mro__ if c.__module__ == "builtins"]
    tb = traceback.extract_tb(e.__traceback__)
    in_solution = [f for f in tb if f.filename not in (__file__, frameworks.__file__) and not f.filename.startswith("<")]
    try:
        message = str(e)
    except Exception:
        message = f"<unprintable {kind}>"
    return {
        "type": kind,
        "bases": bases,
        "message": (note + message)[:2000],
        "traceback": "".join(traceback.format_list(in_solution[-3:]))[-2000:],
    }


class _Reader:
    def __init__(self, fd):
        self.fd = fd

    def read_exact(self, n):
        chunks = []
        while n:
            chunk = os.read(self.fd, min(n, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)


if __name__ == "__main__":
    main(*map(int, sys.argv[2:]))
