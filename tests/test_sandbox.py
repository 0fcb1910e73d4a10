"""Real attacks on the grader (tests/misbehaving/), graded through the CLI on a copy of the probe
kata with a secret in the judge's environment and a listener on localhost. Under the sandbox each
must fail to pass and fail to hurt the judge; without it, the judge must still never crash or hang,
must refuse a result whose grader files changed, and must say plainly that it is unsandboxed.
Issue 16's attacks (the from-scratch rule, memory as a whole, the sandbox's view, CPU time) also
grade real katas (attention, bpe) from the repository.

CI has bubblewrap (SANDBOX_MODE is "require" there): no sandbox test is skipped on CI.
"""

import hashlib
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, SANDBOX_MODE, run_graders
from graders.sandbox import MAX_PIDS, detect
from graders.session import SolutionProxy, Spawner, Worker

MISBEHAVING = Path(__file__).resolve().parent / "misbehaving"
SECRET = "hunter2"
SANDBOXED = detect("auto").enabled
CGROUP = SANDBOXED and detect("auto").cgroup  # root on CI: the sandbox gets its own cgroup there
needs_sandbox = pytest.mark.skipif(not SANDBOXED and SANDBOX_MODE != "require", reason="no bubblewrap sandbox here")
needs_cgroup = pytest.mark.skipif(not CGROUP and not (SANDBOX_MODE == "require" and os.geteuid() == 0),
                                  reason="no cgroup for the sandbox here (it needs root)")


def attack(name, folder, **values):
    """tests/misbehaving/<name>.py with its @KEY@ placeholders filled, beside correct.py, in `folder`
    (a probe root's solutions/ folder, whose sibling *.py files the sandbox shows)."""
    folder.mkdir(parents=True, exist_ok=True)
    source = (MISBEHAVING / f"{name}.py").read_text()
    for key, value in values.items():
        source = source.replace(f"@{key}@", str(value))
    shutil.copy(MISBEHAVING / "correct.py", folder / "correct.py")
    (folder / f"{name}.py").write_text(source)
    return folder / f"{name}.py"


def grade(solution, root, out, mode="require", kata="probe"):
    """Grade on `kata` (the probe) with a secret in the environment -> (JSON result, process, seconds)."""
    started = time.monotonic()
    proc = run_graders("grade", kata, "--solution", solution, "--json", out, "--sandbox", mode, root=root,
                       env={"GITHUB_TOKEN": SECRET, "KATA_SECRET": SECRET})
    elapsed = time.monotonic() - started
    assert "INTERNALERROR" not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    assert out.is_file(), proc.stdout + proc.stderr
    return json.loads(out.read_text()), proc, elapsed


def named(result, name):
    return next(t for t in result["tests"] if t["name"] == name)


def tree_digest(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def processes_with(marker, field="cmdline"):
    """Live pids whose /proc/<pid>/<field> (cmdline, or comm: the name a process gave itself) holds
    `marker` (a zombie, dead and waiting for the machine's init to reap it, is not counted)."""
    found = []
    for entry in Path("/proc").glob(f"[0-9]*/{field}"):
        try:
            if marker in entry.read_bytes() and (entry.parent / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                found.append(entry.parent.name)
        except OSError:
            pass
    return found


def set_kata(root, **fields):
    """Change fields of the probe's kata.yaml entry (values as YAML text)."""
    manifest = root / "kata.yaml"
    text = manifest.read_text()
    for key, value in fields.items():
        text, found = re.subn(rf"^(\s+{key}): .*$", rf"\1: {value}", text, flags=re.M)
        assert found == 1, f"the probe's kata.yaml has no one `{key}: ...` line"
    manifest.write_text(text)


@pytest.fixture
def listener():
    """A TCP server on localhost that answers every connection with the secret -> its port."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(SECRET.encode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def test_the_sandbox_is_used_when_present(probe_root, tmp_path):
    if SANDBOX_MODE == "require":
        assert SANDBOXED, "CI must grade in the sandbox: install bubblewrap"
    result, proc, _ = grade(MISBEHAVING / "correct.py", probe_root, tmp_path / "r.json", mode="auto")
    assert result["status"] == "passed" and result["sandbox"] is SANDBOXED
    assert ("no sandbox" in proc.stdout) is not SANDBOXED


def test_without_the_sandbox_the_report_and_json_say_so(probe_root, tmp_path):
    result, proc, _ = grade(MISBEHAVING / "correct.py", probe_root, tmp_path / "r.json", mode="off")
    assert result["status"] == "passed" and result["sandbox"] is False
    assert result["sandbox_note"].startswith("no sandbox: turned off") and "Fix:" in result["sandbox_note"]
    assert proc.stdout.splitlines()[0].startswith("no sandbox:")


@needs_sandbox
def test_the_answer_key_and_the_hidden_tests_are_out_of_reach(probe_root, tmp_path):
    solution = attack("reads_answer_key", probe_root / "solutions", REPO=REPO)
    result, _, _ = grade(solution, probe_root, tmp_path / "r.json")
    add = named(result, "test_add")
    assert add["status"] == "failed" and add["message"].startswith("returned [] for 2 + 3"), add


@needs_sandbox
def test_the_judges_files_cannot_be_changed(probe_root, tmp_path):
    solution = attack("rewrites_the_judge", probe_root / "solutions", ROOT=probe_root)
    before = tree_digest(probe_root)
    result, _, _ = grade(solution, probe_root, tmp_path / "r.json")
    assert result["status"] == "failed" and named(result, "test_add")["status"] == "failed"
    assert tree_digest(probe_root) == before


def test_without_the_sandbox_a_changed_grader_refuses_the_result(probe_root, tmp_path):
    solution = attack("rewrites_the_judge", probe_root / "solutions", ROOT=probe_root)
    result, _, _ = grade(solution, probe_root, tmp_path / "r.json", mode="off")
    assert result["status"] == "error" and "changed the grader's files" in result["message"]
    assert (probe_root / "conftest.py").is_file()  # written, but never run: --noconftest


@needs_sandbox
def test_nothing_the_solution_started_outlives_the_grade(probe_root, tmp_path):
    out = tmp_path / "r.json"
    solution = attack("daemon_rewrites_result", probe_root / "solutions", RESULT=out)
    result, _, _ = grade(solution, probe_root, out)
    written = out.read_text()
    assert result["status"] == "passed"
    time.sleep(5)  # the daemon would rewrite the result for 4 s, then become `sleep 424243`
    assert out.read_text() == written
    assert processes_with(b"424243") == []


@needs_sandbox
def test_signals_cannot_reach_the_judge(probe_root, tmp_path):
    """Inside the sandbox the parent is the PID namespace's init, which ignores them."""
    out = tmp_path / "r.json"
    result, proc, elapsed = grade(attack("signals_the_judge", probe_root / "solutions"), probe_root, out)
    assert result["status"] == "passed" and proc.returncode == 0 and elapsed < 20


@needs_sandbox
def test_secrets_and_the_network_are_out_of_reach(probe_root, tmp_path, listener):
    solution = attack("steals_secrets", probe_root / "solutions")
    (probe_root / "katas" / "probe" / "test_probe.py").write_text(
        (probe_root / "katas" / "probe" / "test_probe.py").read_text().replace(
            "solution.add(2, 3), 5, \"2 + 3\"", f"solution.add({listener}, {listener + 1}), 5, \"2 + 3\""))
    result, _, _ = grade(solution, probe_root, tmp_path / "r.json")
    add = named(result, "test_add")
    assert add["message"].startswith("returned [] for 2 + 3"), add


@pytest.mark.parametrize("mode", ["require", "off"])
def test_a_child_holding_the_output_pipe_cannot_hang_the_judge(probe_root, tmp_path, mode):
    if mode == "require" and not SANDBOXED and SANDBOX_MODE != "require":
        pytest.skip("no bubblewrap sandbox here")
    solution = attack("holds_output_pipe", probe_root / "solutions")
    result, _, elapsed = grade(solution, probe_root, tmp_path / "r.json", mode=mode)
    statuses = {t["name"]: t["status"] for t in result["tests"]}
    assert statuses["test_echo_array"] == "timeout" and statuses["test_add"] == "passed", statuses
    assert named(result, "test_echo_array")["duration_s"] < 3 + 2.5  # timeout_s = 3 in the probe manifest
    assert elapsed < 20


@pytest.mark.parametrize("mode", ["require", "off"])
@pytest.mark.parametrize("name", ["forges_replies", "forges_reply_shape"])
def test_forged_replies_are_the_solutions_error(probe_root, tmp_path, mode, name):
    if mode == "require" and not SANDBOXED and SANDBOX_MODE != "require":
        pytest.skip("no bubblewrap sandbox here")
    result, _, elapsed = grade(attack(name, probe_root / "solutions"), probe_root, tmp_path / "r.json", mode=mode)
    echo = named(result, "test_echo_array")
    assert result["status"] == "error" and echo["status"] == "error", result
    assert "malformed reply" in echo["message"]
    if name == "forges_replies":
        assert named(result, "test_add")["status"] == "error"
    assert elapsed < 20


def test_escape_sequences_never_reach_the_terminal(probe_root, tmp_path):
    result, proc, _ = grade(attack("paints_the_terminal", probe_root / "solutions"), probe_root, tmp_path / "r.json", mode="auto")
    assert named(result, "test_rejects_non_positive")["status"] == "failed"
    assert "\x1b" not in proc.stdout and "\x1b" not in json.dumps(result)
    assert re.search(r"FAIL\s+errors\s+test_rejects_non_positive", proc.stdout)


@needs_sandbox
def test_a_fork_bomb_is_capped(probe_root, tmp_path):
    result, _, elapsed = grade(attack("fork_bomb", probe_root / "solutions"), probe_root, tmp_path / "r.json")
    add = named(result, "test_add")
    started = int(re.match(r"returned (\d+) for 2 \+ 3", add["message"])[1])
    assert started < MAX_PIDS, add
    assert elapsed < 20
    time.sleep(0.5)
    assert processes_with(b"424244") == []


def test_the_backstop_ends_a_test_stuck_on_the_judges_side(probe_root, tmp_path):
    """A hidden test that hangs in the judge itself (not in a call) ends as a timeout shortly after
    its limit, with pytest's terminal plugin disabled as the grader runs it."""
    tests = probe_root / "katas" / "probe" / "test_probe.py"
    tests.write_text(tests.read_text() + '''

@pytest.mark.category("performance")
def test_judge_hangs(solution):
    import time
    time.sleep(60)
''')
    result, _, elapsed = grade(MISBEHAVING / "correct.py", probe_root, tmp_path / "r.json", mode="auto")
    hung = named(result, "test_judge_hangs")
    assert hung["status"] == "timeout" and "went over 5 s" in hung["message"], hung
    assert hung["duration_s"] < 3 + 2 + 1.5 and elapsed < 20


# -- the from-scratch rule at the boundary (issue 16, class 3) ---------------------------------------

def forbidden_use(result):
    """The kata-level message of a run-time forbidden use, asserted to be one."""
    assert result["status"] == "disallowed", result
    assert "at run time" in result["message"] and "which this kata forbids" in result["message"], result["message"]
    return result["message"]


@needs_sandbox
def test_numpy_attention_computing_with_torch_under_a_computed_name_is_disallowed(tmp_path):
    """It passes every test with torch's softmax; the static check cannot read the name it imports."""
    solution = attack("attention_computed_torch", tmp_path / "s")
    result, _, _ = grade(solution, REPO, tmp_path / "r.json", kata="attention")
    assert "importing `torch`" in forbidden_use(result)


@needs_sandbox
def test_softmax_through_scipy_special_under_a_computed_name_is_disallowed(tmp_path):
    pytest.importorskip("scipy.special", reason="scipy is not installed: the numpy.fft case below stands in for it")
    solution = attack("softmax_computed_scipy", tmp_path / "s")
    result, _, _ = grade(solution, REPO, tmp_path / "r.json", kata="softmax")
    assert "scipy.special" in forbidden_use(result)


@needs_sandbox
@pytest.mark.parametrize("route", ["builtins", "importlib", "aliased", "sys_modules", "exec"])
def test_a_forbidden_package_is_disallowed_whatever_the_route(probe_root, tmp_path, route):
    """__builtins__['__import__'], importlib with a built string, an aliased import_module, sys.modules,
    exec of decoded text: each import fails, is reported, and the kata is disallowed though the
    solution caught the failure and answered right."""
    solution = attack("computed_import", probe_root / "solutions", MODULE="torch", ROUTE=route)
    result, _, _ = grade(solution, probe_root, tmp_path / "r.json")
    assert result["passed"] == result["total"] and "importing `torch`" in forbidden_use(result)


@needs_sandbox
def test_a_forbidden_subpackage_of_an_allowed_package_is_disallowed(probe_root, tmp_path):
    """numpy is allowed and already imported in the worker; numpy.fft (not yet imported) is forbidden."""
    set_kata(probe_root, forbidden="[torch, numpy.fft]")
    solution = attack("computed_import", probe_root / "solutions", MODULE="numpy.fft", ROUTE="importlib")
    result, _, _ = grade(solution, probe_root, tmp_path / "r.json")
    assert "importing `numpy.fft`" in forbidden_use(result)


@needs_sandbox
def test_without_its_guard_the_forbidden_package_is_simply_not_there(probe_root, tmp_path):
    """The import hook is a courtesy (it says why); what holds is that torch's files are absent.
    (Room enough to import torch, were it there.)"""
    set_kata(probe_root, timeout_s=120, kata_timeout_s=240, memory_mb=4096)
    result, _, _ = grade(attack("removes_the_guard", probe_root / "solutions"), probe_root, tmp_path / "r.json")
    add = named(result, "test_add")
    assert add["status"] == "failed" and add["message"].startswith("returned [] for 2 + 3"), add


def test_without_the_sandbox_the_report_says_the_rule_was_checked_from_the_text(probe_root, tmp_path):
    result, _, _ = grade(attack("removes_the_guard", probe_root / "solutions"), probe_root, tmp_path / "r.json",
                         mode="off")
    assert "checked from the text only" in result["sandbox_note"]


@needs_sandbox
@pytest.mark.parametrize("rule", ["numpy.fft.fft", "numpy.linalg.norm"])
def test_a_forbidden_function_of_an_allowed_package_is_a_tripwire(probe_root, tmp_path, rule):
    """numpy.fft is imported after the rule is known, numpy.linalg before: both are wired. The
    solution swallows the exception; the judge still heard of the call."""
    set_kata(probe_root, forbidden=f"[torch, {rule}]")
    result, _, _ = grade(attack("computed_call", probe_root / "solutions", RULE=rule), probe_root, tmp_path / "r.json")
    assert result["passed"] == result["total"] and f"`{rule}` called at run time" in forbidden_use(result)


@needs_sandbox
def test_scaled_dot_product_attention_is_a_tripwire_where_torch_is_allowed(probe_root, tmp_path):
    """The coming PyTorch track: torch allowed, its fused attention forbidden (reached through
    importlib and getattr; it is also torch._C._nn's)."""
    rule = "torch.nn.functional.scaled_dot_product_attention"
    set_kata(probe_root, forbidden=f"[{rule}]", timeout_s=120, kata_timeout_s=240, memory_mb=4096)
    result, _, _ = grade(attack("computed_call", probe_root / "solutions", RULE=rule), probe_root, tmp_path / "r.json")
    assert f"`{rule}` called at run time" in forbidden_use(result)


# -- memory of the sandbox as a whole (class 4) ---------------------------------------------------

@needs_sandbox
@needs_cgroup
def test_forked_children_cannot_use_more_than_the_memory_cap(probe_root, tmp_path):
    """4 children, each just under the 512 MB per-process cap, all holding it: over 1.5 GB before."""
    set_kata(probe_root, timeout_s=30, kata_timeout_s=60)
    solution = attack("forks_hogging_memory", probe_root / "solutions", CHILDREN=4)
    result, _, elapsed = grade(solution, probe_root, tmp_path / "r.json")
    assert result["status"] == "memory" and "memory cap" in (result["message"] + str(result["tests"])), result
    assert elapsed < 60
    assert processes_with(b"kata-hog-4245", field="comm") == []


@needs_sandbox
@needs_cgroup
def test_what_the_solution_writes_to_tmp_counts_against_its_memory(tmp_path):
    solution = attack("fills_tmp", tmp_path / "s", MB=48)
    worker = Worker(solution, 512, Spawner(detect("require"), warm=False), siblings=True)
    try:
        worker.load(30)
        before = worker.process.cgroup.memory_bytes()
        assert SolutionProxy(worker, lambda: 30).add(2, 3) == 5
        grown = worker.process.cgroup.memory_bytes() - before
    finally:
        worker.close()
    # 48 MiB written to /tmp are charged to the sandbox (uncounted, the growth is a few pages); the
    # worker's own pages move by a few KiB between the two readings, either way.
    assert grown >= 40 * 2**20, grown


def test_a_sandbox_without_a_cgroup_says_what_it_cannot_cap():
    from graders.sandbox import Sandbox

    assert Sandbox(True, bwrap="bwrap", cgroup=True).note() == ""
    note = Sandbox(True, bwrap="bwrap", cgroup=False).note()
    assert "memory_mb caps each of the solution's processes, not the sandbox as a whole" in note



# -- what the sandbox shows (class 6) -------------------------------------------------------------

@needs_sandbox
def test_a_solution_in_a_home_folder_sees_nothing_else_there(probe_root, tmp_path):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text(f"-----BEGIN OPENSSH PRIVATE KEY----- {SECRET}\n")
    (home / "notes.py").write_text(f"PASSWORD = {SECRET!r}\n")
    (home / "secret.txt").write_text(SECRET)
    solution = home / "looks_around_its_folder.py"
    solution.write_text((MISBEHAVING / "looks_around_its_folder.py").read_text().replace("@HOME@", str(home)))
    result, _, _ = grade(solution, probe_root, tmp_path / "r.json")
    add = named(result, "test_add")
    assert add["status"] == "failed" and add["message"].startswith("returned [] for 2 + 3"), add


@needs_sandbox
def test_in_solutions_only_the_sibling_python_files_are_shown(probe_root, tmp_path):
    solution = attack("looks_around_its_folder", probe_root / "solutions", HOME=probe_root)
    (probe_root / "solutions" / "secret.txt").write_text(SECRET)
    (probe_root / "solutions" / ".history").mkdir()
    (probe_root / "solutions" / ".history" / "old.py").write_text(f"# {SECRET}\n")
    result, _, _ = grade(solution, probe_root, tmp_path / "r.json")
    add = named(result, "test_add")
    assert add["status"] == "failed" and add["message"].startswith("returned [] for 2 + 3"), add


ADD_KEY = {"x86_64": 248, "aarch64": 217}
KEYCTL = {"x86_64": 250, "aarch64": 219}


@needs_sandbox
@pytest.mark.skipif(platform.machine() not in KEYCTL, reason="keyctl system call numbers known for x86_64 and aarch64")
def test_the_judges_keyring_is_out_of_reach(probe_root, tmp_path):
    """The judge runs in a fresh session keyring holding the secret; the solution reads every key its
    keyrings reach, with the keyctl system call."""
    machine = platform.machine()
    out = tmp_path / "r.json"
    wrapper = (
        "import ctypes, os, sys\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        f"assert libc.syscall({KEYCTL[machine]}, 1, None) > 0\n"  # KEYCTL_JOIN_SESSION_KEYRING
        f"assert libc.syscall({ADD_KEY[machine]}, b'user', b'kata-secret', {SECRET.encode()!r}, {len(SECRET)},"
        " ctypes.c_long(-3)) > 0\n"
        "os.execv(sys.executable, [sys.executable, '-m', 'graders', *sys.argv[1:]])\n")
    proc = subprocess.run([sys.executable, "-c", wrapper, "--root", str(probe_root), "grade", "probe", "--solution",
                           str(attack("reads_the_keyring", probe_root / "solutions")), "--json", str(out),
                           "--sandbox", "require"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.is_file(), proc.stdout + proc.stderr
    add = named(json.loads(out.read_text()), "test_add")
    assert add["status"] == "failed" and add["message"].startswith("returned [] for 2 + 3"), add


# -- CPU time measured from outside (class 7) -----------------------------------------------------

@pytest.mark.parametrize("mode", ["require", "off"])
@pytest.mark.parametrize("name", ["bpe_patches_the_clock", "bpe_burns_in_a_child"])
def test_cpu_hidden_from_a_clock_inside_the_worker_still_counts(tmp_path, name, mode):
    """A fast trainer plus 240 naive half-passes of CPU (about 140 passes: far over the budget of 50, so a slow
    calibration of one pass in the judge cannot bring it under, as 120 half-passes once did), hidden by
    patching the clock, or left in a child the worker never reaps. Without the sandbox
    the judge reads the worker's process tree in /proc (the zombie child included)."""
    if mode == "require" and not SANDBOXED and SANDBOX_MODE != "require":
        pytest.skip("no bubblewrap sandbox here")
    root = tmp_path / "root"  # the bpe kata with a generous wall-clock backstop: a busy machine must not time it out
    shutil.copytree(REPO / "katas" / "bpe", root / "katas" / "bpe", ignore=shutil.ignore_patterns("__pycache__"))
    manifest = (REPO / "kata.yaml").read_text()
    bpe = manifest.index("- id: bpe")
    (root / "kata.yaml").write_text(manifest[:bpe] + re.sub(r"timeout_s: \d+", "timeout_s: 60", manifest[bpe:], count=1))
    reference = (REPO / "graders" / "keys" / "bpe" / "reference.py").read_text()
    solution = attack(name, tmp_path / "s", PASSES=240)
    solution.write_text(solution.read_text().replace("# @REFERENCE@", reference))
    result, _, _ = grade(solution, root, tmp_path / "r.json", kata="bpe", mode=mode)
    speed = named(result, "test_training_100kB_to_vocab_512_is_fast")
    assert speed["status"] == "failed" and "naive passes" in speed["message"], speed
    assert {t["status"] for t in result["tests"] if t is not speed} == {"passed"}, result
    assert processes_with(b"kata-burn-4246", field="comm") == []
