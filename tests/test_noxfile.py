"""The noxfile, run by nox itself in a copy of the repository whose `graders` is a stub (it prints what
it was given) and whose requirements are empty: a half-made learner environment is rebuilt, exit codes
and Ctrl-C come through nox as python -m graders gives them, the printed commands name nox as it was
called, a kata given as a session says where it goes, and the interview draws its kata first."""

import hashlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

NOX = Path(sys.executable).with_name("nox")
STUB = '''import os, signal, sys, time
def interrupt_once(signum, frame):  # as python -m graders does: the SIGINT nox passes on is ignored
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt
signal.signal(signal.SIGINT, interrupt_once)
if sys.argv[1] == "interview" and "--pick" in sys.argv:
    print(next((arg for arg in sys.argv[2:] if arg.isidentifier()), "tiny_transformer"))
    sys.exit(0)
try:
    print("KATA_NOX=" + os.environ.get("KATA_NOX", ""), *sys.argv[1:], flush=True)
    time.sleep(float(os.environ.get("STUB_SLEEP", "0")))
except KeyboardInterrupt:
    time.sleep(1.0)  # a clean-up longer than nox's own 0.3 s patience
    print("interrupted", file=sys.stderr)
    sys.exit(130)
sys.exit(int(os.environ.get("STUB_EXIT", "0")))
'''


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """A copy of the noxfile and the manifest, empty requirements, a stub `graders`."""
    root = tmp_path_factory.mktemp("noxrepo")
    for name in ("noxfile.py", "kata.yaml"):
        shutil.copy(REPO / name, root / name)
    (root / "requirements").mkdir()
    for name in ("grade.txt", "torch.txt"):
        (root / "requirements" / name).write_text("# nothing to install in this copy\n")
    (root / "graders").mkdir()
    (root / "graders" / "__init__.py").write_text("")
    (root / "graders" / "__main__.py").write_text(STUB)
    (root / "solutions").mkdir()
    shutil.copy(REPO / "solutions" / "noxfile.py", root / "solutions" / "noxfile.py")
    return root


def nox(root, *args, env=None, nox_path=NOX):
    """nox ARGS at `root` with a PATH that has no nox on it -> CompletedProcess (stdout and stderr together)."""
    env = {**os.environ, "PATH": "/usr/bin:/bin", **(env or {})}
    return subprocess.run([str(nox_path), *args], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=300)


@pytest.mark.parametrize("half_made", ["python without pip", "stamps without python"])
def test_a_half_made_learner_environment_is_rebuilt_in_one_line(repo, half_made):
    env_dir = repo / ".nox" / "learner"
    shutil.rmtree(env_dir, ignore_errors=True)
    if half_made == "python without pip":  # Ctrl-C during `python -m venv`, before ensurepip
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    else:  # the stamps of a finished set-up, and the environment's python gone
        env_dir.mkdir(parents=True)
        (env_dir / ".requirements").write_text("".join(
            f"{name}:{hashlib.sha256((repo / 'requirements' / name).read_bytes()).hexdigest()}\n"
            for name in ("grade.txt", "torch.txt")))
    proc = nox(repo, "-s", "list")
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.count("is half made (an interrupted set-up?): rebuilding it") == 1
    assert "KATA_NOX=" in proc.stdout and "No module named pip" not in proc.stdout
    assert subprocess.run([env_dir / "bin" / "python", "-c", "import pip"]).returncode == 0
    assert "half made" not in nox(repo, "-s", "list").stdout


def test_ctrl_c_during_the_set_up_is_one_line_and_the_next_command_works(repo):
    env_dir = repo / ".nox" / "learner"
    shutil.rmtree(env_dir, ignore_errors=True)
    proc = subprocess.Popen([NOX, "-s", "list"], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    for line in proc.stdout:
        if "creating the learner environment" in line:
            break
    time.sleep(1.0)  # inside `python -m venv`
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    after = proc.stdout.read()
    assert after.strip().splitlines()[-1] == "interrupted" and "Traceback" not in after, after
    again = nox(repo, "-s", "list")
    assert again.returncode == 0 and "KATA_NOX=" in again.stdout, again.stdout
    assert subprocess.run([env_dir / "bin" / "python", "-c", "import pip"]).returncode == 0


def test_the_exit_code_of_python_m_graders_is_noxs(repo):
    for code in (0, 1, 2):
        assert nox(repo, "-s", "grade", "--", "attention", env={"STUB_EXIT": str(code)}).returncode == code


def test_ctrl_c_through_nox_is_one_line_and_waits_for_the_clean_up(repo):
    assert nox(repo, "-s", "list").returncode == 0  # the environment exists
    proc = subprocess.Popen([NOX, "-s", "list"], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "STUB_SLEEP": "60"}, start_new_session=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("KATA_NOX="):
            break
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    after = proc.stdout.read()
    assert after.strip() == "interrupted", after  # nox's own "Interrupted..." lines are not repeated


def test_printed_commands_name_nox_as_it_was_called(repo):
    (repo / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
    local = repo / ".venv" / "bin" / "nox"
    if not local.exists():
        local.symlink_to(NOX)
    assert "KATA_NOX=.venv/bin/nox " in nox(repo, "-s", "list", nox_path=".venv/bin/nox").stdout
    assert f"KATA_NOX={NOX} " in nox(repo, "-s", "list").stdout
    on_path = nox(repo, "-s", "list", env={"PATH": f"{NOX.parent}:/usr/bin:/bin"})
    assert "KATA_NOX=nox " in on_path.stdout


def test_nox_in_the_solutions_folder_runs_the_roots_sessions_from_the_root(repo):
    proc = nox(repo / "solutions", "-s", "grade", "--", "attention", env={"STUB_EXIT": "1"})
    assert proc.returncode == 1 and f"KATA_NOX={NOX} grade attention" in proc.stdout, proc.stdout
    assert not (repo / "solutions" / ".nox").exists()  # one learner environment: the root's


def test_a_kata_given_as_a_session_says_where_it_goes(repo):
    proc = nox(repo, "-s", "grade", "attention")
    assert proc.returncode == 2
    assert proc.stdout.strip() == f"attention is a kata, not a session: {NOX} -s grade -- attention"


def test_the_interview_draws_its_kata_before_it_installs_anything(repo):
    proc = nox(repo, "-s", "interview", "--", "attention", "--minutes", "3")
    assert "KATA_NOX=" in proc.stdout and "interview attention --minutes 3" in proc.stdout
    assert "PyTorch" not in proc.stdout
    proc = nox(repo, "-s", "interview", "--", "--seed", "1")  # the stub draws tiny_transformer, a torch kata
    assert proc.stdout.index("installing PyTorch (CPU), about 200 MB to download") < proc.stdout.index(
        "interview tiny_transformer --seed 1")


@pytest.fixture(scope="module")
def noxfile():
    """The repository's noxfile as a module (loaded once: nox registers its sessions on load)."""
    spec = importlib.util.spec_from_file_location("noxfile_under_test", REPO / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_wheel(folder, version):
    """An empty `torch` wheel of `version` in `folder`, for pip to find."""
    name = f"torch-{version}"
    with zipfile.ZipFile(folder / f"{name}-py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"{name}.dist-info/METADATA", f"Metadata-Version: 2.1\nName: torch\nVersion: {version}\n")
        wheel.writestr(f"{name}.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{name}.dist-info/RECORD", "")


@pytest.mark.skipif(sys.platform != "linux", reason="the CPU index is added on Linux only")
@pytest.mark.parametrize("version, added", [("2.13.0", True), ("2.13.0+cpu", False)])
def test_the_cpu_index_is_added_when_pips_sources_would_not_give_the_cpu_build(noxfile, tmp_path, monkeypatch,
                                                                                   version, added):
    fake_wheel(tmp_path, version)
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # only the folder below: no configured index, no network
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    assert noxfile.cpu_torch_source(sys.executable) == (["--extra-index-url", noxfile.CPU_TORCH_INDEX] if added else [])
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "https://mirror.example/simple")  # the user chose: left alone
    assert noxfile.cpu_torch_source(sys.executable) == []


def test_the_readmes_two_commands_start_no_clock_and_ci_runs_them_exactly():
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Two commands"):readme.index("## The loop")]
    block = section[section.index("```bash\n") + 8:section.index("```", section.index("```bash\n") + 8)]
    setup, tests = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert setup.endswith("&& .venv/bin/nox") and tests == ".venv/bin/nox -s tests"  # plain nox: list, no clock
    ci = (REPO / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-2:] == [setup, tests]
    second = section[section.index("The second command"):]
    assert "about 10 minutes" in second and "`node`" in second and "`npm`" in second


def test_pytorch_is_installed_only_for_a_pytorch_attempt(noxfile, tmp_path):
    shutil.copy(REPO / "kata.yaml", tmp_path / "kata.yaml")
    frameworks = noxfile.manifest_frameworks(tmp_path)
    assert frameworks["softmax"] == ["numpy", "torch"] and frameworks["tiny_transformer"] == ["torch"]
    assert frameworks["bpe"] == ["python"] and len(frameworks) == 15  # levels' ids are not katas'
    assert "logsumexp" not in frameworks
    (tmp_path / "solutions").mkdir()
    needs = lambda *args: noxfile.needs_torch(list(args), tmp_path)  # noqa: E731
    assert not needs("softmax") and not needs() and not needs("attention", "--fresh")
    assert needs("softmax", "--torch") and needs("tiny_transformer") and needs("--seed", "1", "tiny_transformer")
    (tmp_path / "solutions" / "softmax.py").write_text("")
    assert not needs() and not needs("softmax")                  # a NumPy attempt never installs PyTorch
    (tmp_path / "solutions" / "softmax_torch.py").write_text("")
    assert needs() and needs("softmax") and not needs("attention")
    (tmp_path / "solutions" / "softmax_torch.py").unlink()
    (tmp_path / "solutions" / "softmax.fresh_level_torch.py").write_text("")   # a fresh level's PyTorch file
    assert needs() and not needs("attention")
    (tmp_path / "solutions" / "softmax.fresh_level_torch.py").unlink()
    (tmp_path / "solutions" / "tiny_transformer.py").write_text("")
    assert needs() and not needs("softmax")
