"""Real attacks on the grader (tests/misbehaving/), graded through the CLI on a copy of the probe
kata with a secret in the judge's environment and a listener on localhost. Under the sandbox each
must fail to pass and fail to hurt the judge; without it, the judge must still never crash or hang,
must refuse a result whose grader files changed, and must say plainly that it is unsandboxed.

CI has bubblewrap (SANDBOX_MODE is "require" there): no sandbox test is skipped on CI.
"""

import hashlib
import json
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, SANDBOX_MODE, run_graders
from graders.sandbox import MAX_PIDS, detect

MISBEHAVING = Path(__file__).resolve().parent / "misbehaving"
SECRET = "hunter2"
SANDBOXED = detect("auto").enabled
needs_sandbox = pytest.mark.skipif(not SANDBOXED and SANDBOX_MODE != "require", reason="no bubblewrap sandbox here")


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


def grade(solution, root, out, mode="require"):
    """Grade on the probe kata with a secret in the environment -> (JSON result, process, seconds)."""
    started = time.monotonic()
    proc = run_graders("grade", "probe", "--solution", solution, "--json", out, "--sandbox", mode, root=root,
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


def processes_with(marker):
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            pass
    return found


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
