"""The OS sandbox around a worker (Linux: bubblewrap), and the honest fallback where there is none.

    sandbox = detect("auto")                  # "auto" | "require" (raise if none) | "off"
    argv = sandbox.wrap(python_argv, view_dir, worker_package, hidden=hidden_paths(attempt.forbidden, needed))

Inside: new user, PID, mount, IPC, network, UTS and cgroup namespaces; uid 65534; its own empty
session keyring; the interpreter and its packages read-only, each package the attempt forbids replaced
by an empty directory; the worker's standalone package at /kata/worker; at /kata/solution, read-only,
a private copy of the solution file (and of its sibling *.py files when it is in solutions/); a
private 64 MiB /tmp; no network, no /proc of the host, no repository. Killing bwrap kills the
namespace's init, and with it everything the solution started. Process counts are capped by
RLIMIT_NPROC in the worker; under root, which that limit exempts, a cgroup where one can be made
caps the processes, the memory of the sandbox as a whole (its /tmp included) and counts its CPU.
"""

import functools
import importlib.machinery
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

MODES = ("auto", "require", "off")
WORKER_MOUNT = "/kata/worker"      # holds kataworker/, the only grader code the sandbox sees
SOLUTION_MOUNT = "/kata/solution"  # the private copy of the solution file (and siblings), read-only
TMP_BYTES = 64 * 2**20             # within every kata's memory_mb, and charged to the sandbox's memory cgroup
MAX_PIDS = 256                     # processes and threads in one sandbox
APPARMOR_SYSCTL = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"
CGROUP_V2 = Path("/sys/fs/cgroup")
CGROUP_V1 = {"pids": Path("/sys/fs/cgroup/pids"), "memory": Path("/sys/fs/cgroup/memory"),
             "cpu": Path("/sys/fs/cgroup/cpuacct")}
OTHER_PYTHONS = ("/usr/lib", "/usr/local/lib")  # their python3*/{dist,site}-packages: searched too for forbidden packages


class SandboxUnavailable(Exception):
    """--sandbox require, and no sandbox can be set up here."""


@dataclass(frozen=True)
class Sandbox:
    """How workers are isolated: `enabled`, or why not and the one command that fixes it."""
    enabled: bool
    reason: str = ""
    fix: str = ""
    bwrap: str = ""
    cgroup: bool = False  # a cgroup can be made (root): memory capped and CPU counted for the sandbox as a whole

    def note(self):
        """One line for reports; empty when the sandbox is on with its cgroup."""
        if self.enabled and self.cgroup:
            return ""
        if self.enabled:
            return ("sandbox without a cgroup (grading as a user, not root): memory_mb caps each of the solution's "
                    "processes, not the sandbox as a whole, and its CPU time is read from /proc")
        fix = f" Fix: {self.fix}" if self.fix else ""
        return (f"no sandbox: {self.reason}. The solution ran as you, with your files and network: a separate "
                f"process catches mistakes (hangs, crashes, memory), not a solution that attacks the grader, and the "
                f"from-scratch rule was checked from the text only (and by a hook in the solution's own process, which "
                f"it can undo): the forbidden packages were there to import.{fix}")

    def wrap(self, argv, view_dir, worker_package, hidden=(), empty_file=None):
        """The command that runs `argv` in the sandbox, with `worker_package` (kataworker/) at
        WORKER_MOUNT/kataworker and `view_dir` (the solution's private copy) at SOLUTION_MOUNT,
        both read-only, and each path of `hidden` (see `hidden_paths`) shown empty: a directory as
        an empty one, a file as `empty_file` (an empty regular file of the judge's)."""
        mounts = ["--ro-bind", str(worker_package), f"{WORKER_MOUNT}/kataworker",
                  "--ro-bind", str(view_dir), SOLUTION_MOUNT]
        for path in _python_dirs():
            mounts += ["--ro-bind", path, path]
        for path in hidden:  # a package: an empty read-only directory; a module file: empty
            mounts += ["--tmpfs", path, "--remount-ro", path] if os.path.isdir(path) else ["--ro-bind", str(empty_file), path]
        return [
            self.bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--disable-userns", "--die-with-parent", "--new-session",
            "--uid", "65534", "--gid", "65534", "--hostname", "kata",
            *_system_dirs(), "--proc", "/proc", "--dev", "/dev", "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
            *mounts, "--chdir", SOLUTION_MOUNT, *argv,
        ]


def detect(mode="auto"):
    """The sandbox this machine can give, per `mode`; raises SandboxUnavailable for "require" without one."""
    if mode not in MODES:
        raise ValueError(f"sandbox mode {mode!r}; expected one of {', '.join(MODES)}")
    sandbox = Sandbox(False, "turned off with --sandbox off", "grade without --sandbox off") if mode == "off" else _probe()
    if mode == "require" and not sandbox.enabled:
        raise SandboxUnavailable(f"--sandbox require: {sandbox.reason}" + (f" (fix: {sandbox.fix})" if sandbox.fix else ""))
    return sandbox


def _probe():
    if not sys.platform.startswith("linux"):
        return Sandbox(False, "the OS sandbox (bubblewrap) exists only on Linux",
                       "grade in a Linux VM or container, or on CI")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Sandbox(False, "bubblewrap (bwrap) is not installed",
                       "sudo apt-get install bubblewrap (Debian/Ubuntu), or sudo dnf install bubblewrap")
    try:
        proc = subprocess.run([bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--die-with-parent",
                               "--ro-bind", "/", "/", "--", "/bin/true"],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Sandbox(False, f"bwrap did not start ({e})")
    if proc.returncode == 0:
        return Sandbox(True, bwrap=bwrap, cgroup=os.geteuid() == 0 and _has_memory_cgroup())
    error = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
    if _read(APPARMOR_SYSCTL) == "1":
        fix = "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or give bwrap an AppArmor profile)"
    elif _read("/proc/sys/kernel/unprivileged_userns_clone") == "0":
        fix = "sudo sysctl -w kernel.unprivileged_userns_clone=1"
    else:
        fix = "allow unprivileged user namespaces (sysctl user.max_user_namespaces > 0)"
    return Sandbox(False, f"bwrap cannot create namespaces here ({error})", fix)


def _listdir(path):
    try:
        return os.listdir(path)
    except OSError:
        return []


def _has_memory_cgroup():
    return (CGROUP_V2 / "cgroup.controllers").is_file() or (CGROUP_V1["memory"] / "cgroup.procs").is_file()


def _read(path):
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def _system_dirs():
    """/usr read-only, and /bin, /lib, ... as the host has them: symlinks into /usr (merged /usr) or dirs."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64"):
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    return args


def _python_dirs():
    """The interpreter's installation and the virtualenv, outside /usr: mounted read-only at their own paths."""
    dirs = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)))}
    dirs |= {sys.prefix}  # a venv's own path (its bin/python is a symlink the worker is started through)
    dirs = sorted(d for d in dirs if not d.startswith("/usr/") and d != "/usr")
    return [d for d in dirs if not any(d != other and d.startswith(other + "/") for other in dirs)]


@functools.lru_cache(maxsize=64)
def hidden_paths(forbidden, needed=()):
    """The files and package directories that hold the modules a kata forbids (a tuple of rules
    such as "torch", "scipy.special"), on the interpreter's own path and in the other Pythons' package
    folders under /usr: the sandbox shows them empty. A rule naming an attribute
    ("scipy.special.softmax") hides nothing here: the worker's guard handles it. Nor does a rule naming a
    package the worker itself imports (`needed`, e.g. numpy, or one of its modules): the guard and the
    static check keep the solution from using it. Files only, nothing imported."""
    roots = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots |= {os.path.join(lib, name, packages) for lib in OTHER_PYTHONS for name in _listdir(lib)
              if name.startswith("python3") for packages in ("dist-packages", "site-packages")}
    found = set()
    for rule in forbidden:
        if any(rule == package or rule.startswith(package + ".") for package in needed):
            continue
        for root in roots:
            found.update(_module_files(Path(root), rule.split(".")))
    return tuple(sorted(found))


def _module_files(root, parts):
    """`parts` (a dotted module name) as files under `root`: its package directory, or its module
    files (x.py, x.cpython-311-...so); none when the name is an attribute or absent."""
    path = root.joinpath(*parts)
    if path.is_dir():
        return [str(path)]
    names = [path.name + suffix for suffix in (".py", ".pyc", *importlib.machinery.EXTENSION_SUFFIXES)]
    return [str(path.with_name(name)) for name in names if path.with_name(name).is_file()]


class Cgroup:
    """The sandbox's own cgroup under root (v2: one directory; v1: one per controller): processes
    capped at MAX_PIDS from the start, memory capped by `limit_memory` once the kata is known, CPU
    time and memory kills read from outside. `procs` are the files a process joins it by."""

    def __init__(self, dirs, version):
        self.dirs, self.version = dirs, version  # controller ("pids", "memory", "cpu") -> directory

    @property
    def procs(self):
        return sorted({d / "cgroup.procs" for d in self.dirs.values()})

    def limit_memory(self, limit_bytes):
        """Cap everything the sandbox holds in memory (its processes and its /tmp), swap excluded.
        -> whether a cap was set."""
        memory = self.dirs.get("memory")
        files = (("memory.max", "memory.swap.max") if self.version == 2 else
                 ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"))
        values = (limit_bytes, 0 if self.version == 2 else limit_bytes)
        if memory is None or not (memory / files[0]).is_file():
            return False
        try:
            for name, value in zip(files, values):
                if (memory / name).is_file():  # no swap accounting: memory alone
                    (memory / name).write_text(str(value))
        except OSError:
            return False
        return True

    def memory_kills(self):
        """How many processes the memory cap killed."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        text = _read(self.dirs["memory"] / name) if "memory" in self.dirs else None
        found = re.search(r"^oom_kill (\d+)", text or "", re.M)
        return int(found[1]) if found else 0

    def memory_bytes(self):
        """The memory the sandbox holds now (its processes, its /tmp, the page cache it caused); None if unknown."""
        name = "memory.current" if self.version == 2 else "memory.usage_in_bytes"
        text = _read(self.dirs["memory"] / name) if "memory" in self.dirs else None
        return int(text) if text and text.isdigit() else None

    def cpu_seconds(self):
        """User + system CPU time of every process the sandbox ran, exited ones included; None if unknown."""
        if "cpu" not in self.dirs:
            return None
        if self.version == 2:
            found = re.search(r"^usage_usec (\d+)", _read(self.dirs["cpu"] / "cpu.stat") or "", re.M)
            return int(found[1]) * 1e-6 if found else None
        usage = _read(self.dirs["cpu"] / "cpuacct.usage")
        return int(usage) * 1e-9 if usage and usage.isdigit() else None

    def remove(self):
        for group in self.dirs.values():
            try:
                group.rmdir()
            except OSError:
                pass


def make_cgroup(name):
    """Under root (which RLIMIT_NPROC exempts): a fresh Cgroup capped at MAX_PIDS, with memory and
    CPU accounting where the machine has them, or None where none can be made. The caller moves
    the sandbox into it (`procs`) and removes it afterwards."""
    if os.geteuid() != 0:
        return None
    if (CGROUP_V2 / "cgroup.controllers").is_file():
        try:  # the controllers a child of the root may use; systemd has usually enabled them already
            (CGROUP_V2 / "cgroup.subtree_control").write_text("+pids +memory")
        except OSError:
            pass
        dirs = {"pids": CGROUP_V2 / name, "memory": CGROUP_V2 / name, "cpu": CGROUP_V2 / name}
        group = _make_dirs(dirs, 2)
    else:
        group = _make_dirs({c: root / name for c, root in CGROUP_V1.items() if (root / "cgroup.procs").is_file()}, 1)
    if group is not None:
        try:
            (group.dirs["pids"] / "pids.max").write_text(str(MAX_PIDS))
            return group
        except (OSError, KeyError):
            group.remove()
    return None


def _make_dirs(dirs, version):
    group = Cgroup(dirs, version)
    try:
        for d in set(dirs.values()):
            d.mkdir(exist_ok=True)
    except OSError:
        group.remove()
        return None
    return group


def tree_cpu_seconds(pid):
    """CPU time of process `pid` and its live descendants, from /proc (where no cgroup counts it):
    each process's own time (its live threads' run time in ns, or its whole count in clock ticks if
    larger) plus what it reaped of its children. A process that left the tree unreaped is not seen."""
    tick = os.sysconf("SC_CLK_TCK")
    total, pending, seen = 0.0, [pid], set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stat = _read(f"/proc/{pid}/stat")
        if stat is None:
            continue
        fields = stat.rsplit(")", 1)[-1].split()  # after "pid (comm)": state is fields[0]
        utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
        threads_ns = 0
        for task in _listdir(f"/proc/{pid}/task"):
            threads_ns += int((_read(f"/proc/{pid}/task/{task}/schedstat") or "0").split()[0])
            pending += [int(c) for c in (_read(f"/proc/{pid}/task/{task}/children") or "").split()]
        total += max(threads_ns * 1e-9, (utime + stime) / tick) + (cutime + cstime) / tick
    return total
