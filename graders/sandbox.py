"""The OS sandbox around a worker (Linux: bubblewrap), and the honest fallback where there is none.

    sandbox = detect("auto")                  # "auto" | "require" (raise if none) | "off"
    argv = sandbox.wrap(python_argv, solution_dir, worker_package)

Inside: new user, PID, mount, IPC, network, UTS and cgroup namespaces; uid 65534; the interpreter
and its packages read-only; the worker's standalone package at /kata/worker; a read-only copy of
the solution's folder at /kata/solution; a private 64 MiB /tmp; no network, no /proc of the host,
no repository. Killing bwrap kills the namespace's init, and with it everything the solution
started. Process counts are capped by RLIMIT_NPROC in the worker; under root, which that limit
exempts, by a pids cgroup where one can be made.
"""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MODES = ("auto", "require", "off")
WORKER_MOUNT = "/kata/worker"      # holds kataworker/, the only grader code the sandbox sees
SOLUTION_MOUNT = "/kata/solution"  # the solution's folder, read-only
TMP_BYTES = 64 * 2**20
MAX_PIDS = 256                     # processes and threads in one sandbox
APPARMOR_SYSCTL = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"
CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))  # cgroup v1 pids, then v2


class SandboxUnavailable(Exception):
    """--sandbox require, and no sandbox can be set up here."""


@dataclass(frozen=True)
class Sandbox:
    """How workers are isolated: `enabled`, or why not and the one command that fixes it."""
    enabled: bool
    reason: str = ""
    fix: str = ""
    bwrap: str = ""

    def note(self):
        """One line for reports; empty when the sandbox is on."""
        if self.enabled:
            return ""
        fix = f" Fix: {self.fix}" if self.fix else ""
        return (f"no sandbox: {self.reason}. The solution ran as you, with your files and network: a separate "
                f"process catches mistakes (hangs, crashes, memory), not a solution that attacks the grader.{fix}")

    def wrap(self, argv, solution_dir, worker_package):
        """The command that runs `argv` in the sandbox, with `worker_package` (kataworker/) at
        WORKER_MOUNT/kataworker and `solution_dir` at SOLUTION_MOUNT, both read-only."""
        mounts = ["--ro-bind", str(worker_package), f"{WORKER_MOUNT}/kataworker",
                  "--ro-bind", str(solution_dir), SOLUTION_MOUNT]
        for path in _python_dirs():
            mounts += ["--ro-bind", path, path]
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
        return Sandbox(True, bwrap=bwrap)
    error = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
    if _read(APPARMOR_SYSCTL) == "1":
        fix = "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or give bwrap an AppArmor profile)"
    elif _read("/proc/sys/kernel/unprivileged_userns_clone") == "0":
        fix = "sudo sysctl -w kernel.unprivileged_userns_clone=1"
    else:
        fix = "allow unprivileged user namespaces (sysctl user.max_user_namespaces > 0)"
    return Sandbox(False, f"bwrap cannot create namespaces here ({error})", fix)


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


def pids_cgroup(name):
    """Under root (which RLIMIT_NPROC exempts): a fresh pids cgroup capped at MAX_PIDS, or None where
    none can be made. The caller moves the sandbox into it and removes it afterwards."""
    if os.geteuid() != 0:
        return None
    for root in CGROUP_ROOTS:
        if not (root / "cgroup.procs").is_file():  # not a cgroup file system
            continue
        group = root / name
        try:
            group.mkdir(exist_ok=True)
            (group / "pids.max").write_text(str(MAX_PIDS))
            return group
        except OSError:
            remove_cgroup(group)
    return None


def remove_cgroup(group):
    try:
        group.rmdir()
    except OSError:
        pass
