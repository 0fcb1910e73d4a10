"""The judge's side of the boundary: a worker process per kata, and the proxy tests call through.

    solution = SolutionProxy(worker, clock)
    out = solution.self_attention(x, w_q, w_k, w_v, mask=mask)   # runs in the worker, returns plain data

What the solution raises comes back as a `SolutionRaised` (mirroring the builtin type, so
`pytest.raises(ValueError)` works); a hang, a crash, an exit or a memory blow-up come back as
`SolutionTimeout`, `SolutionCrashed` or `SolutionOutOfMemory`, and the worker is replaced.
"""

import builtins
import ctypes
import itertools
import os
import platform
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from graders import sandbox as sandbox_mod
from graders.kataworker import wire, worker

WORKER_ROOT = Path(__file__).resolve().parent  # holds kataworker/, the worker's standalone package
BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from kataworker.worker import main; main(*map(int, sys.argv[2:]))"
OUTPUT_KEPT_BYTES = 4096
PRINTED_LINES = 5        # of what the solution printed, shown with a timeout or a crash
PR_SET_PDEATHSIG = 1     # prctl(2): the signal a process gets when its parent dies
SYS_KEYCTL = {"x86_64": 250, "aarch64": 219}  # keyctl(2)'s number; elsewhere the sandbox keeps the judge's keyring
KEYCTL_JOIN_SESSION_KEYRING = 1  # keyctl(2) with a NULL name: join a new anonymous session keyring
SIBLING_MAX_BYTES = 2**20  # a sibling file of solutions/ larger than this is not copied in
REPORT_KEPT_BYTES = 4096
FRAMEWORK_IMPORT_S = 20.0  # added to the import's time limit for a PyTorch attempt: torch's import is not the solution's
FRAMEWORK_MEMORY_MB = 512  # added to a PyTorch attempt's sandbox memory cap: torch's own resident memory (~200 MB)
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


def _is_reply(reply):
    """A reply has the form the worker writes: {"value": ...} or {"raised": ...}, one key only."""
    if not isinstance(reply, dict):
        return False
    return set(reply) == {"value"} or (set(reply) == {"raised"} and _is_raised(reply["raised"]))


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


def _is_callback(callback):
    """A reply's {"callback": ...} part has the form a stand-in writes: [id, method, args, kwargs]."""
    return (isinstance(callback, list) and len(callback) == 4 and type(callback[0]) is int
            and isinstance(callback[1], str) and isinstance(callback[2], list) and isinstance(callback[3], dict))


def _no_such_object(lent_id):
    return {"raised": {"type": "ReferenceError", "message": f"no object {lent_id} is lent by the grader now"}}


# -- with_inputs: the arrays a call may modify, on a file the judge reads back ------------------------

INPUTS_ALIGN = 64  # bytes: where each shared array starts on the file


def _shared_file():
    """A file shared with the worker for `with_inputs` calls: anonymous memory where the OS has it."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("kata-inputs")  # close-on-exec; pass_fds hands it to the worker
    fd, path = tempfile.mkstemp(prefix="kata-inputs-")
    os.unlink(path)
    return fd


def _share_inputs(message, fd):
    """Move the top-level ndarray arguments of a `with_inputs` message onto the shared file (the message
    gets None in their place and a "shared" list) -> [(where, key, offset, array)]."""
    shared, offset = [], 0
    for where, values in (("args", message["args"]), ("kwargs", message["kwargs"])):
        for key, value in (enumerate(values) if where == "args" else values.items()):
            if isinstance(value, np.ndarray) and value.nbytes and value.dtype.str in wire.SAFE_DTYPES:
                array = np.ascontiguousarray(value)
                os.pwrite(fd, array.tobytes(), offset)
                shared.append((where, key, offset, array))
                offset += -(-array.nbytes // INPUTS_ALIGN) * INPUTS_ALIGN
    for where, key, _, _ in shared:
        message[where][key] = None
    message["shared"] = [[where, key, offset, array.dtype.str, list(array.shape)]
                         for where, key, offset, array in shared]
    return shared


def _read_back_inputs(reply, shared, fd):
    """A `with_inputs` reply with each shared array's data as the judge reads it on the file now, whatever
    the worker says of it; a file the worker cut short is the solution's doing. Only where that data is
    untouched does the worker's report count: an array it reports reshaped or retyped in place."""
    if not (isinstance(reply, dict) and isinstance(reply.get("args"), list) and isinstance(reply.get("kwargs"), dict)):
        raise SolutionCrashed("the solution's process sent a malformed reply to a call with its inputs checked")
    args, kwargs = list(reply["args"]), dict(reply["kwargs"])
    for where, key, offset, array in shared:
        data = os.pread(fd, array.nbytes, offset)
        if len(data) != array.nbytes:
            raise SolutionCrashed("the grader's copy of the solution's inputs was cut short by the solution's process")
        after = np.frombuffer(data, dtype=array.dtype).reshape(array.shape).copy()
        reported = kwargs.get(key) if where == "kwargs" else (args[key] if key < len(args) else None)
        if (data == array.tobytes() and isinstance(reported, np.ndarray)
                and (reported.shape, reported.dtype) != (array.shape, array.dtype)):
            after = reported                                      # e.g. `x.shape = ...` on the caller's array
        if where == "args":
            args += [None] * (key + 1 - len(args))
            args[key] = after
        else:
            kwargs[key] = after
    return {**reply, "args": args, "kwargs": kwargs}


class WorkerProcess:
    """A spawned worker, in the OS sandbox when `sandbox.enabled`: NumPy imported (and `preload`, the
    attempt's framework: torch, when given), waiting for its first request. Its private folder holds the solution's copy (`show`), mounted read-only at
    sandbox.SOLUTION_MOUNT inside; `hidden` are the forbidden packages' paths the sandbox shows empty.
    Everything it prints is drained by a thread; the first OUTPUT_KEPT_BYTES are kept. The worker
    reports a forbidden call on `report_fd` (read by `reports`)."""

    def __init__(self, sandbox, hidden=(), preload=None):
        self.sandbox, self.hidden, self.preload = sandbox, tuple(hidden), preload
        self.private = Path(tempfile.mkdtemp(prefix="kata-worker-"))
        self.view = self.private / "solution"
        self.view.mkdir()
        request_r, self.request_w = os.pipe()
        self.reply_r, reply_w = os.pipe()
        self.output_r, output_w = os.pipe()
        self.report_r, self.report_fd = os.pipe()
        os.set_blocking(self.report_r, False)
        self.inputs_fd = _shared_file()
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0",
                   PYTHONDONTWRITEBYTECODE="1", **({"KATA_PRELOAD": preload} if preload else {}))
        self.cgroup = None
        if sandbox.enabled:
            python = [sys.executable, "-I", "-c", BOOTSTRAP, sandbox_mod.WORKER_MOUNT, str(request_r),
                      str(self.inputs_fd), str(reply_w)]
            empty = self.private / "empty"
            empty.touch()
            argv = sandbox.wrap(python, self.view, WORKER_ROOT / "kataworker", hidden=self.hidden, empty_file=empty)
            self.cgroup = sandbox_mod.make_cgroup(f"kata-gym-{os.getpid()}-{request_r}-{time.monotonic_ns()}")
        else:
            argv = [sys.executable, "-I", "-c", BOOTSTRAP, str(WORKER_ROOT), str(request_r), str(self.inputs_fd),
                    str(reply_w)]
        self.popen = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=output_w, stderr=output_w,
            pass_fds=(request_r, reply_w, self.report_fd, self.inputs_fd), env=env, start_new_session=True, preexec_fn=self._in_child,
        )
        for fd in (request_r, reply_w, output_w, self.report_fd):
            os.close(fd)
        self.output, self.output_total, self.tail = bytearray(), 0, b""
        self.reported, self.memory_kills = b"", 0
        self._lock, self._stop = threading.Lock(), threading.Event()
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _in_child(self):
        """Between fork and exec: die with the judge (whatever kills it), join the cgroup, and leave
        the judge's session keyring for a new empty one."""
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            if platform.machine() in SYS_KEYCTL:
                libc.syscall(SYS_KEYCTL[platform.machine()], KEYCTL_JOIN_SESSION_KEYRING, None)
        if self.cgroup is not None:
            for procs in self.cgroup.procs:
                procs.write_text(str(os.getpid()))

    def show(self, solution_path, siblings):
        """Make the solution file, and with `siblings` the other *.py files of its folder, the only
        files of the private folder the worker sees (copied, so nothing else of the host is visible)."""
        solution_path = Path(solution_path)
        wanted = sorted(solution_path.parent.glob("*.py")) if siblings else [solution_path]
        for old in self.view.iterdir():
            old.unlink()
        for f in wanted:
            if f == solution_path or (f.is_file() and not f.is_symlink() and f.stat().st_size <= SIBLING_MAX_BYTES):
                shutil.copyfile(f, self.view / f.name)

    def path_inside(self, solution_path):
        """The solution file's path as the worker sees it."""
        if self.sandbox.enabled:
            return f"{sandbox_mod.SOLUTION_MOUNT}/{Path(solution_path).name}"
        return str(self.view / Path(solution_path).name)

    def limit_memory(self, memory_mb):
        """Cap the sandbox as a whole at `memory_mb` (its processes and /tmp) -> whether a cap was set."""
        return self.cgroup is not None and self.cgroup.limit_memory(memory_mb * 2**20)

    def cpu_seconds(self):
        """CPU time of every process the worker started, read by the judge: the cgroup's count, else
        the live process tree's from /proc (plus what its processes reaped)."""
        if self.cgroup is not None:
            seconds = self.cgroup.cpu_seconds()
            if seconds is not None:
                return seconds
        return sandbox_mod.tree_cpu_seconds(self.popen.pid)

    def reports(self):
        """What the worker reported on its report pipe (forbidden calls), as bytes: read by the judge
        at any time; a solution that closes or fills the pipe cannot unsay what was written."""
        while len(self.reported) < REPORT_KEPT_BYTES:
            try:
                chunk = os.read(self.report_r, REPORT_KEPT_BYTES)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            self.reported += chunk
        return self.reported

    def kill(self):
        """Kill the worker and everything it started: the sandbox's PID namespace dies with bwrap;
        without a sandbox, the process group."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait()
        self.reports()
        self._stop.set()  # the drainer never blocks: a process that escaped may hold the pipe open
        self._drainer.join(timeout=1.0)
        for fd in (self.request_w, self.reply_r, self.output_r, self.report_r, self.inputs_fd):
            os.close(fd)
        if self.cgroup is not None:
            self.memory_kills = self.cgroup.memory_kills()
            self.cgroup.remove()
        shutil.rmtree(self.private, ignore_errors=True)

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
    to import. A warm process serves any solution (its copy is made when it is taken) of an attempt
    whose forbidden packages are the ones it was started without (`hidden`) and whose framework it
    imported while it waited (`preload`)."""

    def __init__(self, sandbox, warm=True):
        self.sandbox, self.warm = sandbox, warm
        self.spare = None

    def take(self, forbidden=(), preload=None):
        """A started worker for an attempt that forbids `forbidden` (rules as in kata.yaml); `preload`: the
        framework it imports before its first request (frameworks.preload_of), as does the spare."""
        hidden = self._hidden(forbidden, preload)
        spare = self.spare
        process = spare if spare is not None and (spare.hidden, spare.preload) == (hidden, preload) else None
        if process is None:
            self.close()
            process = WorkerProcess(self.sandbox, hidden, preload)
        self.spare = WorkerProcess(self.sandbox, hidden, preload) if self.warm else None
        return process

    def _hidden(self, forbidden, preload):
        """What the sandbox hides for these rules: never a package the worker itself imports."""
        if not self.sandbox.enabled:
            return ()
        return sandbox_mod.hidden_paths(tuple(forbidden), needed=worker.frameworks.worker_packages(preload))

    def close(self):
        if self.spare is not None:
            self.spare.kill()
            self.spare = None


class Worker:
    """The solution's side of one kata: a WorkerProcess that has imported the solution file, under
    a memory rlimit. A process that dies or hangs is killed; the next call starts a fresh one."""

    def __init__(self, solution_path, memory_mb, spawner, forbidden=(), siblings=False, framework=None):
        self.solution_path = Path(solution_path).resolve()
        self.memory_mb, self.framework = memory_mb, framework  # framework: see kataworker/frameworks.py
        self.spawner = spawner
        self.forbidden, self.siblings = tuple(forbidden), siblings  # the attempt's rules; copy the folder's *.py too
        self.process = None
        self.prepared = None  # a fresh Worker started ahead of the test that will ask for it
        self.importing = False  # started, the reply to its import not read yet
        self.output, self.output_total = "", 0  # what earlier, killed processes printed
        self.reported, self.memory_kills = b"", 0  # what earlier, killed processes reported, and memory-cgroup kills

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self):
        """Get a process and ask it to import the solution (the reply is read by `load`)."""
        self.process = self.spawner.take(self.forbidden, self._preload())
        self.process.show(self.solution_path, self.siblings)
        self.process.limit_memory(self.memory_mb + (FRAMEWORK_MEMORY_MB if self._preload() else 0))
        load = {"op": "load", "path": self.process.path_inside(self.solution_path), "memory_mb": self.memory_mb,
                "max_processes": sandbox_mod.MAX_PIDS if self.process.sandbox.enabled else None,
                "forbidden": list(self.forbidden), "report_fd": self.process.report_fd, "framework": self.framework}
        wire.write_message(self.process.request_w, wire.encode(load))
        self.importing = True

    def cpu_sample(self, timeout):
        """(the current process, the CPU seconds all its processes used so far), measured from outside
        the sandbox (see `SolutionProxy.cpu_clock`); starts the process if there is none."""
        if self.process is None or self.importing:
            self.load(timeout)
        return self.process, self.process.cpu_seconds()

    def reports(self):
        """Everything the worker's processes reported on the judge's report pipe (forbidden calls)."""
        return self.reported + (self.process.reports() if self.process is not None else b"")

    def load(self, timeout):
        """Names the solution defines; raises a SolutionProblem if it does not import."""
        if self.process is None:
            self.start()
        self.importing = False
        return self._reply(timeout + self.framework_import_s())

    def request(self, message, timeout, answer=None):
        """Send `message`, answer its callbacks with `answer(id, method, args, kwargs)` (see
        SolutionProxy._answer) and return the reply's value. A `with_inputs` call's arrays go on the
        shared file, and the reply's arguments are the judge's reading of that file after the call."""
        if self.process is None or self.importing:
            self.load(timeout)  # the import; a failure here surfaces as the call's failure
        shared = _share_inputs(message, self.process.inputs_fd) if message.get("with_inputs") else []
        try:
            wire.write_message(self.process.request_w, wire.encode(message))
        except BrokenPipeError:
            raise self._died() from None
        value = self._reply(timeout, answer)
        return _read_back_inputs(value, shared, self.process.inputs_fd) if shared else value

    def fresh(self):
        """A new Worker for the same solution: a process of its own, nothing kept from this one (the one
        `prepare_fresh` started, if any: it has imported the solution and answered nothing yet)."""
        prepared, self.prepared = self.prepared, None
        return prepared or Worker(self.solution_path, self.memory_mb, self.spawner, self.forbidden, self.siblings,
                                 self.framework)

    def prepare_fresh(self):
        """A test will ask for `fresh()`: start its process and its import of the solution now, while
        other tests run (a torch solution's import takes a second)."""
        if self.prepared is None:
            self.prepared = Worker(self.solution_path, self.memory_mb, self.spawner, self.forbidden, self.siblings,
                                   self.framework)
            self.prepared.start()

    def _preload(self):
        """The framework this attempt's process imports before its first request (frameworks.preload_of)."""
        return worker.frameworks.preload_of(self.framework)

    def framework_import_s(self):
        """The time the worker may spend importing the attempt's framework on top of the import's limit."""
        return FRAMEWORK_IMPORT_S if self._preload() else 0.0

    def release(self, timeout):
        """Forget the objects the worker keeps for the test that just ended."""
        if self.process is not None:
            self.request({"op": "release"}, timeout)

    def close(self):
        """Kill the process (and a prepared fresh one); -> the last bytes it printed, as text."""
        if self.prepared is not None:
            self.prepared.close()
            self.prepared = None
        if self.process is None:
            return ""
        self.process.kill()
        self.reported = (self.reported + self.process.reported)[:REPORT_KEPT_BYTES]
        self.memory_kills += self.process.memory_kills
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
    def _reply(self, timeout, answer=None):
        """The worker's reply to the last request, read and decoded as hostile input: within the
        call's time limit, under the wire's size and node caps; anything malformed is the solution's.
        Callbacks that come first are answered with `answer`, within the same time limit."""
        deadline = time.monotonic() + timeout

        def check_deadline():
            if time.monotonic() > deadline:
                raise SolutionTimeout(f"did not return within {timeout:.3g} s (decoding its reply)")

        def read_reply():
            reply = wire.read_message(lambda n: self._read_exact(n, deadline, timeout), check_deadline)
            if not (_is_reply(reply) or isinstance(reply, dict) and reply.keys() == {"callback"}
                    and _is_callback(reply["callback"])):
                raise wire.WireError(f"a reply of the wrong form ({type(reply).__name__})")
            return reply

        try:
            reply = read_reply()
            while "callback" in reply:
                self._answer_callback(reply["callback"], answer)
                reply = read_reply()
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

    def _answer_callback(self, callback, answer):
        """Run a callback in the judge and send the worker its outcome."""
        outcome = answer(*callback) if answer is not None else _no_such_object(callback[0])
        try:
            wire.write_message(self.process.request_w, wire.encode(outcome))
        except BrokenPipeError:
            raise self._died() from None

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
        self._lent = {}  # id -> (object, the methods the solution may call), for the current test
        self._lent_ids = itertools.count(1)

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
            value = self._worker.request(message, self._deadline(), self._answer)
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
        self._lent.clear()
        self._worker.release(self._deadline())

    def _lend(self, obj, *methods):
        """Keep `obj` here, in the judge, and -> a reference to pass to the solution instead: the worker
        gets a stand-in whose `methods` (default: `type(obj).LENT_METHODS`) call back to `obj`, so what
        `obj` counts or logs is out of the solution's reach. Lent until the test ends."""
        methods = methods or type(obj).LENT_METHODS
        lent_id = next(self._lent_ids)
        self._lent[lent_id] = (obj, frozenset(methods))
        return wire.Lent(lent_id, type(obj).__name__, methods)

    def _answer(self, lent_id, method, args, kwargs):
        """A callback from the worker, decoded as hostile input: the lent object's method runs here
        -> {"value": v}, or {"raised": ...} for the solution to see (bad arguments are its error)."""
        obj, methods = self._lent.get(lent_id, (None, ()))
        if method not in methods:
            return _no_such_object(lent_id) if obj is None else {
                "raised": {"type": "AttributeError", "message": f"{type(obj).__name__} has no method {method[:80]!r}"}}
        try:
            return {"value": getattr(obj, method)(*args, **kwargs)}
        except SolutionProblem:  # the backstop, a deadline: not the lent object's to report
            raise
        except Exception as e:
            kind = type(e).__name__ if type(e).__module__ == "builtins" else "RuntimeError"
            return {"raised": {"type": kind, "message": str(e)[:1000]}}

    def _make(self, factory, *args, **kwargs):
        """Build a trusted helper object (`toys.KATA:Name`, an rng) in the worker -> RemoteObject."""
        return self._request({"op": "build", "make": wire.Make(factory, *_unwrap(list(args)), **_unwrap(kwargs))})

    def cpu_clock(self):
        """`with solution.cpu_clock() as clock: solution.f(...)`, then `clock.seconds`: the CPU time of
        every process of the solution's sandbox during the block (children, even unreaped ones,
        included), read by the judge from outside, where the solution cannot patch the clock."""
        return CpuClock(self._worker, self._deadline)


class CpuClock:
    """See `SolutionProxy.cpu_clock`. `seconds` is set when the block ends without an exception."""

    def __init__(self, worker, deadline):
        self._worker, self._deadline = worker, deadline
        self.seconds = None

    def __enter__(self):
        self._process, self._started = self._worker.cpu_sample(self._deadline())
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            process, now = self._worker.cpu_sample(self._deadline())
            if process is not self._process:
                raise SolutionCrashed("the solution's process was replaced while its CPU time was measured")
            self.seconds = now - self._started
        return False


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
    if isinstance(value, (list, tuple)) and all(type(v) in wire.SCALARS for v in value):
        return value  # numbers only (a statistical test's reply): nothing to wrap
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

    def fresh(self):
        return InProcess(self.solution_path, self.framework)

    def framework_import_s(self):
        return 0.0

    def prepare_fresh(self):
        pass

    def request(self, message, timeout, answer=None):
        message = _through_the_wire(wire.encode(message))
        self.state["callback"] = lambda *callback: _in_process_callback(answer, callback)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            try:
                value = worker.handle_request(message, self.state)
            except Exception as e:
                raise _raised(worker.describe(e)) from None
        return _through_the_wire(wire.encode(value, to_handle=lambda obj: worker.keep(obj, self.state)))

    def release(self, timeout):
        self.state["kept"].clear()

    def cpu_sample(self, timeout):
        return self, time.process_time()

    def reports(self):
        return b""

    def close(self):
        self.state = None

    def printed(self):
        return "", 0


def _in_process_callback(answer, callback):
    """A stand-in's callback, answered directly, its arguments and outcome through the wire's encoding."""
    lent_id, method, args, kwargs = _through_the_wire(wire.encode(list(callback)))
    outcome = answer(lent_id, method, list(args), dict(kwargs)) if answer else _no_such_object(lent_id)
    outcome = _through_the_wire(wire.encode(outcome))
    if "raised" in outcome:
        raise worker.judge_raised(outcome["raised"])
    return outcome["value"]


def _through_the_wire(message):
    """Encoded bytes -> the value, decoded as `Worker` decodes a reply off its pipe."""
    view = memoryview(message)

    def read_exact(n):
        nonlocal view
        chunk, view = bytes(view[:n]), view[n:]
        return chunk

    return wire.read_message(read_exact)
