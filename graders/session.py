"""The judge's side of the boundary: a worker process per kata, and the proxy tests call through.

    solution = SolutionProxy(worker, clock)
    out = solution.self_attention(x, w_q, w_k, w_v, mask=mask)   # runs in the worker, returns plain data

What the solution raises comes back as a `SolutionRaised` (mirroring the builtin type, so
`pytest.raises(ValueError)` works); a hang, a crash, an exit or a memory blow-up come back as
`SolutionTimeout`, `SolutionCrashed` or `SolutionOutOfMemory`, and the worker is replaced.
"""

import builtins
import ctypes
import os
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

from graders import sandbox as sandbox_mod
from graders.kataworker import wire, worker

WORKER_ROOT = Path(__file__).resolve().parent  # holds kataworker/, the worker's standalone package
BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from kataworker.worker import main; main(*map(int, sys.argv[2:]))"
OUTPUT_KEPT_BYTES = 4096
PRINTED_LINES = 5        # of what the solution printed, shown with a timeout or a crash
PR_SET_PDEATHSIG = 1     # prctl(2): the signal a process gets when its parent dies
FRAMEWORK_IMPORT_S = 20.0  # added to the import's time limit for a PyTorch attempt: torch's import is not the solution's
PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


class SolutionProblem(Exception):
    """Something the solution did (not the judge): raised, hung, crashed, ran out of memory."""


class SolutionRaised(SolutionProblem):
    def __init__(self, info):
        self.type_name, self.bases = info["type"], info["bases"]
        self.traceback = info["traceback"]
        super().__init__(f"{self.type_name}: {info['message']}" if info["message"] else self.type_name)


class SolutionTimeout(SolutionProblem):
    pass


class SolutionCrashed(SolutionProblem):
    pass


class SolutionOutOfMemory(SolutionProblem):
    pass


class SolutionNotImplemented(SolutionRaised, NotImplementedError):
    pass


class SolutionMissingName(SolutionRaised):
    pass


class SolutionWrongType(SolutionRaised):
    """A result of the wrong framework's type (kataworker/frameworks.py): its message is the whole story."""

    def __init__(self, info):
        super().__init__(info)
        self.args = (info["message"],)


# What the solution raised, mirrored as a judge-side class that is also the builtin type.
MIRRORED = {
    name: type(f"Solution{name}", (SolutionRaised, getattr(builtins, name)), {})
    for name in ("ValueError", "TypeError", "IndexError", "KeyError", "ZeroDivisionError", "RuntimeError",
                 "AssertionError", "AttributeError", "OverflowError", "ArithmeticError", "LookupError")
}


def _is_raised(info):
    """A reply's {"raised": ...} part has the form the worker writes (anything else is forged)."""
    return (isinstance(info, dict) and all(isinstance(info.get(k), str) for k in ("type", "message", "traceback"))
            and isinstance(info.get("bases"), list) and all(isinstance(b, str) for b in info["bases"]))


def _raised(info):
    """A SolutionRaised that is also an instance of the builtin type the solution raised."""
    if info["type"] == "MissingName":
        return SolutionMissingName(info)
    if info["type"] == "WrongType":
        return SolutionWrongType(info)
    if "NotImplementedError" in info["bases"]:
        return SolutionNotImplemented(info)
    if "SystemExit" in info["bases"] or "KeyboardInterrupt" in info["bases"]:
        return SolutionCrashed(f"the solution exited in the middle of a call ({info['type']}({info['message']}))")
    if "MemoryError" in info["bases"]:
        return SolutionOutOfMemory(f"ran out of memory (MemoryError: {info['message'][:200]})")
    mirrored = next((MIRRORED[b] for b in info["bases"] if b in MIRRORED), SolutionRaised)
    return mirrored(info)


class WorkerProcess:
    """A spawned worker, in the OS sandbox when `sandbox.enabled`: NumPy imported, waiting for its
    first request, with `solution_dir` readable (read-only, at sandbox.SOLUTION_MOUNT inside).
    Everything it prints is drained by a thread; the first OUTPUT_KEPT_BYTES are kept."""

    def __init__(self, sandbox, solution_dir, preload=None):
        self.sandbox, self.solution_dir, self.preload = sandbox, Path(solution_dir), preload
        request_r, self.request_w = os.pipe()
        self.reply_r, reply_w = os.pipe()
        self.output_r, output_w = os.pipe()
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0",
                   PYTHONDONTWRITEBYTECODE="1", **({"KATA_PRELOAD": preload} if preload else {}))
        if sandbox.enabled:
            python = [sys.executable, "-I", "-c", BOOTSTRAP, sandbox_mod.WORKER_MOUNT, str(request_r), str(reply_w)]
            argv = sandbox.wrap(python, self.solution_dir, WORKER_ROOT / "kataworker")
            self.cgroup = sandbox_mod.pids_cgroup(f"kata-gym-{os.getpid()}-{request_r}-{time.monotonic_ns()}")
        else:
            argv = [sys.executable, "-I", "-c", BOOTSTRAP, str(WORKER_ROOT), str(request_r), str(reply_w)]
            self.cgroup = None
        self.popen = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=output_w, stderr=output_w, pass_fds=(request_r, reply_w),
            env=env, start_new_session=True, preexec_fn=self._in_child,
        )
        for fd in (request_r, reply_w, output_w):
            os.close(fd)
        self.output, self.output_total, self.tail = bytearray(), 0, b""
        self._lock, self._stop = threading.Lock(), threading.Event()
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _in_child(self):
        """Between fork and exec: die with the judge (whatever kills it), and join the pids cgroup."""
        if sys.platform.startswith("linux"):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if self.cgroup is not None:
            (self.cgroup / "cgroup.procs").write_text(str(os.getpid()))

    def path_inside(self, solution_path):
        """The solution file's path as the worker sees it."""
        if self.sandbox.enabled:
            return f"{sandbox_mod.SOLUTION_MOUNT}/{Path(solution_path).name}"
        return str(solution_path)

    def kill(self):
        """Kill the worker and everything it started: the sandbox's PID namespace dies with bwrap;
        without a sandbox, the process group."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait()
        self._stop.set()  # the drainer never blocks: a process that escaped may hold the pipe open
        self._drainer.join(timeout=1.0)
        for fd in (self.request_w, self.reply_r, self.output_r):
            os.close(fd)
        if self.cgroup is not None:
            sandbox_mod.remove_cgroup(self.cgroup)

    def _drain(self):
        with selectors.DefaultSelector() as sel:
            sel.register(self.output_r, selectors.EVENT_READ)
            while not self._stop.is_set():
                if not sel.select(0.1):
                    continue
                chunk = os.read(self.output_r, 65536)
                if not chunk:
                    return
                with self._lock:
                    self.output_total += len(chunk)
                    self.output += chunk[:max(0, OUTPUT_KEPT_BYTES - len(self.output))]
                    self.tail = (self.tail + chunk)[-OUTPUT_KEPT_BYTES:]


class Spawner:
    """Starts WorkerProcesses in `sandbox`, keeping one warm, so that in a run of several grades
    (several katas, the bank, the benchmark) each worker starts without waiting for Python and NumPy
    to import. A warm process serves only a solution from the folder it was started for."""

    def __init__(self, sandbox, warm=True):
        self.sandbox, self.warm = sandbox, warm
        self.spare = None

    def take(self, solution_dir, preload=None):
        """A process for a solution in `solution_dir`; `preload`: the framework it imports before its
        first request (frameworks.preload_of), as does the spare started for the next grade."""
        solution_dir = Path(solution_dir)
        spare = self.spare
        process = spare if spare is not None and (spare.solution_dir, spare.preload) == (solution_dir, preload) else None
        if process is None:
            self.close()
            process = WorkerProcess(self.sandbox, solution_dir, preload)
        self.spare = WorkerProcess(self.sandbox, solution_dir, preload) if self.warm else None
        return process

    def close(self):
        if self.spare is not None:
            self.spare.kill()
            self.spare = None


class Worker:
    """The solution's side of one kata: a WorkerProcess that has imported the solution file, under
    a memory rlimit. A process that dies or hangs is killed; the next call starts a fresh one."""

    def __init__(self, solution_path, memory_mb, spawner, framework=None):
        self.solution_path = Path(solution_path).resolve()
        self.memory_mb, self.framework = memory_mb, framework  # framework: see kataworker/frameworks.py
        self.spawner = spawner
        self.process = None
        self.output, self.output_total = "", 0  # what earlier, killed processes printed

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self):
        """Get a process and ask it to import the solution (the reply is read by `load`)."""
        self.process = self.spawner.take(self.solution_path.parent, worker.frameworks.preload_of(self.framework))
        load = {"op": "load", "path": self.process.path_inside(self.solution_path), "memory_mb": self.memory_mb,
                "max_processes": sandbox_mod.MAX_PIDS if self.process.sandbox.enabled else None,
                "framework": self.framework}
        wire.write_message(self.process.request_w, wire.encode(load))

    def load(self, timeout):
        """Names the solution defines; raises a SolutionProblem if it does not import."""
        if self.process is None:
            self.start()
        return self._reply(timeout + self._framework_import_s())

    def request(self, message, timeout):
        if self.process is None:
            self.start()
            self._reply(timeout + self._framework_import_s())  # the import; a failure surfaces as the call's
        try:
            wire.write_message(self.process.request_w, wire.encode(message))
        except BrokenPipeError:
            raise self._died() from None
        return self._reply(timeout)

    def _framework_import_s(self):
        """The time the worker may spend importing the attempt's framework on top of the import's limit."""
        return FRAMEWORK_IMPORT_S if worker.frameworks.preload_of(self.framework) else 0.0

    def release(self, timeout):
        """Forget the objects the worker keeps for the test that just ended."""
        if self.process is not None:
            self.request({"op": "release"}, timeout)

    def close(self):
        """Kill the process; -> the last bytes it printed, as text."""
        if self.process is None:
            return ""
        self.process.kill()
        with self.process._lock:
            text = self.process.output.decode(errors="replace")
            self.output = (self.output + text)[:OUTPUT_KEPT_BYTES]
            self.output_total += self.process.output_total
            tail = self.process.tail.decode(errors="replace")
        self.process = None
        return tail

    def printed(self):
        """(first bytes of what the solution printed, as text; total bytes printed), after close."""
        return self.output, self.output_total

    # -- reading replies -------------------------------------------------------------------------
    def _reply(self, timeout):
        """The worker's reply to the last request, read and decoded as hostile input: within the
        call's time limit, under the wire's size and node caps; anything malformed is the solution's."""
        deadline = time.monotonic() + timeout

        def check_deadline():
            if time.monotonic() > deadline:
                raise SolutionTimeout(f"did not return within {timeout:.3g} s (decoding its reply)")

        try:
            reply = wire.read_message(lambda n: self._read_exact(n, deadline, timeout), check_deadline)
            if not (isinstance(reply, dict) and ("value" in reply or _is_raised(reply.get("raised")))):
                raise wire.WireError(f"a reply of the wrong form ({type(reply).__name__})")
        except (wire.WireError, struct.error, UnicodeDecodeError, MemoryError) as e:
            self.close()
            raise SolutionCrashed(f"the solution's process sent a malformed reply ({str(e)[:200]}): "
                                  "something in the solution wrote to the grader's pipe") from None
        except BaseException as e:
            tail = self.close()  # interrupted mid-call (timeout, crash, the backstop): the state is unknown
            if isinstance(e, SolutionProblem) and tail.strip():
                e.args = (f"{e}\n{printed_lines(tail)}",)
            raise
        if "raised" in reply:
            problem = _raised(reply["raised"])
            if isinstance(problem, SolutionOutOfMemory):
                self.close()
            raise problem
        return reply["value"]

    def _read_exact(self, n, deadline, timeout):
        chunks = []
        with selectors.DefaultSelector() as sel:
            sel.register(self.process.reply_r, selectors.EVENT_READ)
            while n:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not sel.select(remaining):
                    raise SolutionTimeout(f"did not return within {timeout:.3g} s")
                chunk = os.read(self.process.reply_r, min(n, 1 << 20))
                if not chunk:
                    raise self._died()
                chunks.append(chunk)
                n -= len(chunk)
        return b"".join(chunks)

    def _died(self):
        code = self.process.popen.wait()
        if self.process.sandbox.enabled and code > 128:  # bwrap exits 128 + N when its child died of signal N
            code = 128 - code
        if code < 0:
            name = signal.Signals(-code).name
            if -code == signal.SIGKILL:
                return SolutionOutOfMemory(f"the solution's process was killed ({name}), most likely for memory")
            return SolutionCrashed(f"the solution's process crashed ({name})")
        return SolutionCrashed(f"the solution's process exited with code {code} in the middle of a call "
                               "(sys.exit or os._exit in the solution?)")


def printed_lines(text, count=PRINTED_LINES):
    """The last `count` lines a solution printed, for a message."""
    lines = text.rstrip().splitlines()
    shown = "\n".join(f"  | {line[:200]}" for line in lines[-count:])
    return f"before that, the solution printed ({'last ' + str(count) + ' lines' if len(lines) > count else 'all'}):\n{shown}"


class SolutionProxy:
    """`solution.name(*args)` runs the solution's module-level `name` in the worker.

    `deadline()` gives the seconds the current call may take (set by the plugin per test)."""

    def __init__(self, worker, deadline):
        self._worker, self._deadline = worker, deadline
        self._hung = {}  # "name" or "Type.method" -> the first timeout's message

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _RemoteCallable(self, {"op": "call", "name": name})

    def _request(self, message):
        """One call in the worker. A function that timed out once is not called again: later tests
        that call it fail at once, so a hang costs one test's limit, not every remaining test's."""
        key = _function_key(message)
        if key in self._hung:
            raise SolutionTimeout(f"`{key}` was not called: it already timed out in an earlier test "
                                  f"({self._hung[key]})")
        try:
            value = self._worker.request(message, self._deadline())
        except SolutionTimeout as e:
            if key is not None:
                self._hung[key] = str(e).splitlines()[0]
                e.args = (f"`{key}` {e}",)
            raise
        except SolutionMissingName as e:
            e.requested = key  # which name the judge asked for (the message comes from the worker)
            raise
        return _wrap(self, value)

    def _release(self):
        self._worker.release(self._deadline())

    def _make(self, factory, *args, **kwargs):
        """Build a trusted helper object (`toys.KATA:Name`, an rng) in the worker -> RemoteObject."""
        return self._request({"op": "build", "make": wire.Make(factory, *_unwrap(list(args)), **_unwrap(kwargs))})


class _RemoteCallable:
    def __init__(self, proxy, message):
        self._proxy, self._message = proxy, message

    def __call__(self, *args, **kwargs):
        args, kwargs = _unwrap(list(args)), _unwrap(kwargs)
        return self._proxy._request({**self._message, "args": args, "kwargs": kwargs})

    def repeat(self, n, *args, **kwargs):
        """-> [result of n calls with the same arguments], in one round trip: for statistical tests, where
        an rng argument built with `make` advances from call to call."""
        args, kwargs = _unwrap(list(args)), _unwrap(kwargs)
        return self._proxy._request({**self._message, "args": args, "kwargs": kwargs, "repeat": int(n)})

    def with_inputs(self, *args, **kwargs):
        """-> (result, args, kwargs), the arguments as the solution left them (to catch in-place edits)."""
        args, kwargs = _unwrap(list(args)), _unwrap(kwargs)
        reply = self._proxy._request({**self._message, "args": args, "kwargs": kwargs, "with_inputs": True})
        return reply["result"], tuple(reply["args"]), reply["kwargs"]


class RemoteObject:
    """An object that lives in the worker (e.g. a KVCache the solution built): methods run there."""

    def __init__(self, proxy, handle):
        self._proxy, self._handle = proxy, handle

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _RemoteCallable(self._proxy, {"op": "method", "handle": self._handle, "name": name})

    def __len__(self):
        return self._method("__len__")

    def __iter__(self):
        return iter(self._method("__iter__"))

    def __call__(self, *args, **kwargs):
        return self._method("__call__", *args, **kwargs)

    def _method(self, name, *args, **kwargs):
        return _RemoteCallable(self._proxy, {"op": "method", "handle": self._handle, "name": name})(*args, **kwargs)

    def __repr__(self):
        return repr(self._handle)


def _function_key(message):
    """Which of the solution's functions a request calls: "name", "Type.method", or None."""
    if message.get("op") == "call":
        return message["name"]
    if message.get("op") == "method":
        return f"{message['handle'].type_name}.{message['name']}"
    return None


def _unwrap(value):
    """RemoteObjects in a request go back to the worker as their Handles."""
    if isinstance(value, RemoteObject):
        return value._handle
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _wrap(proxy, value):
    """Handles in a reply become RemoteObjects."""
    if isinstance(value, wire.Handle):
        return RemoteObject(proxy, value)
    if isinstance(value, list):
        return [_wrap(proxy, v) for v in value]
    if isinstance(value, tuple):
        return tuple(_wrap(proxy, v) for v in value)
    if isinstance(value, dict):
        return {k: _wrap(proxy, v) for k, v in value.items()}
    return value


class InProcess:
    """The benchmark's baseline: the solution imported into the judge itself, no process and no
    sandbox; requests and replies still go through the wire's encoding, so objects the solution
    builds come back as handles exactly as from a worker.

    Same interface as `Worker`; never used for grading a learner (nothing protects the judge)."""

    def __init__(self, solution_path, framework=None):
        self.solution_path = Path(solution_path).resolve()
        self.framework, self.state = framework, None

    def start(self):
        pass

    def load(self, timeout):
        self.state = worker.new_state()
        return self.request({"op": "load", "path": str(self.solution_path), "framework": self.framework}, timeout)

    def request(self, message, timeout):
        message = _through_the_wire(wire.encode(message))
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            try:
                value = worker.handle_request(message, self.state)
            except Exception as e:
                raise _raised(worker.describe(e)) from None
        return _through_the_wire(wire.encode(value, to_handle=lambda obj: worker.keep(obj, self.state)))

    def release(self, timeout):
        self.state["kept"].clear()

    def close(self):
        self.state = None

    def printed(self):
        return "", 0


def _through_the_wire(message):
    """Encoded bytes -> the value, decoded as `Worker` decodes a reply off its pipe."""
    view = memoryview(message)

    def read_exact(n):
        nonlocal view
        chunk, view = bytes(view[:n]), view[n:]
        return chunk

    return wire.read_message(read_exact)
