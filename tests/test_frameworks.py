"""The PyTorch seam (graders/kataworker/frameworks.py): what a PyTorch attempt is given, what it may
return, and the four bad inputs of issue 17 graded end to end against the softmax kata's hidden tests."""

import textwrap
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, SANDBOX_MODE
from graders.grade import grade
from graders.kataworker import frameworks, wire
from graders.kataworker.frameworks import WrongType, check_result, to_solution
from graders.manifest import load_manifest
from graders.repo import Paths
from graders.sandbox import detect
from graders.session import InProcess, SolutionWrongType, Spawner

torch = pytest.importorskip("torch")


# -- arguments ------------------------------------------------------------------------------------

def test_arrays_become_tensors_of_the_same_dtype_and_integers_int64():
    x32, x64 = np.ones((2, 3), np.float32), np.zeros(4)
    mask, labels32 = np.array([True, False]), np.array([1, 2], np.int32)
    args = to_solution([x32, x64, mask, labels32, np.float32(0.5), 3, 1.5, None, "text"], "torch")
    assert [type(a) for a in args[:4]] == [torch.Tensor] * 4
    assert [a.dtype for a in args[:4]] == [torch.float32, torch.float64, torch.bool, torch.int64]
    assert args[4] == 0.5 and type(args[4]) is float          # a NumPy scalar becomes a Python number
    assert args[5:] == [3, 1.5, None, "text"]                 # Python scalars stay as they are
    nested = to_solution({"pair": (x64, [labels32])}, "torch")
    assert isinstance(nested["pair"][0], torch.Tensor) and nested["pair"][1][0].dtype == torch.int64


def test_the_tensor_is_the_workers_copy_so_in_place_edits_are_seen():
    x = np.arange(4.0)
    tensor = to_solution(x, "torch")
    tensor -= 1.0                                            # what a buggy solution does to its input
    assert x.tolist() == [-1.0, 0.0, 1.0, 2.0]               # the array the worker reports as the input


def test_numpy_attempts_get_the_arrays_unchanged():
    x = np.ones(3)
    assert to_solution([x], "numpy")[0] is x and to_solution([x], None)[0] is x


def test_an_rng_the_test_makes_is_a_seeded_torch_generator_for_torch():
    assert frameworks.factory_for(frameworks.RNG_FACTORY, "numpy") is None
    make = frameworks.factory_for(frameworks.RNG_FACTORY, "torch")
    g1, g2 = make(7), make(7)
    assert isinstance(g1, torch.Generator) and g1.initial_seed() == 7
    assert torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2))
    with pytest.raises(ValueError, match="seeded with an int"):
        make(-1)



def test_the_global_random_watch_sees_torchs_default_generator():
    from graders.kataworker.toys.common import GlobalRandomWatch

    watch = GlobalRandomWatch()
    torch.randperm(5, generator=torch.Generator().manual_seed(1))     # a generator of its own
    assert watch.touched() == []
    torch.manual_seed(3)                                              # torch's np.random.seed
    assert watch.touched() == ["torch"]

# -- results --------------------------------------------------------------------------------------

class FakeCuda(torch.Tensor):
    """A CPU tensor that says it lives on a GPU (this machine has none)."""

    @property
    def is_cuda(self):
        return True


@pytest.mark.parametrize("value, line", [
    (np.zeros(2), "returned a numpy.ndarray; a PyTorch solution returns torch.Tensor"),
    (np.float64(1.0), "returned a numpy.float64; a PyTorch solution returns a Python number or a 0-d torch.Tensor"),
    (torch.zeros(2).as_subclass(FakeCuda), "returned a tensor on"),
    (torch.zeros(2, requires_grad=True), "returned a tensor that requires grad; results are plain tensors"),
    (torch.zeros(2, dtype=torch.bfloat16), "returned a tensor of dtype torch.bfloat16"),
    ((torch.zeros(2), np.zeros(2)), "returned (item 1 of a tuple) a numpy.ndarray"),
])
def test_a_torch_attempt_returns_cpu_tensors_and_python_numbers(value, line):
    with pytest.raises(WrongType) as e:
        check_result(value, "torch")
    assert str(e.value).startswith(line) and "\n" not in str(e.value)


def test_what_a_torch_attempt_may_return():
    for value in (torch.zeros(2, 3), torch.tensor(2.5), 3, 2.5, [torch.ones(1), 4], {"loss": 1.0}, None):
        check_result(value, "torch")


def test_a_numpy_attempt_returning_a_tensor_is_the_wrong_type():
    with pytest.raises(WrongType, match=r"returned \(item 1 of a list\) a torch.Tensor; a NumPy solution returns "
                                        "numpy.ndarray"):
        check_result([np.zeros(1), torch.zeros(1)], "numpy")
    check_result(np.zeros(1), "numpy")
    check_result(torch.zeros(1), None)  # a kata whose tests speak torch themselves (tiny_transformer)


# -- through the worker's request handling --------------------------------------------------------

def solution_file(tmp_path, source, name="softmax_torch.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def test_the_worker_converts_arguments_and_reports_the_tensor_the_solution_changed(tmp_path):
    path = solution_file(tmp_path, """
        import torch
        def shift(x, labels):
            assert x.dtype == torch.float32 and labels.dtype == torch.int64
            x -= x.max()
            return x.clone(), int(labels.sum())
    """)
    backend = InProcess(path, framework="torch")
    backend.load(5)
    x = np.array([1.0, 3.0], np.float32)
    reply = backend.request({"op": "call", "name": "shift", "args": [x, np.array([1, 2], np.int32)], "kwargs": {},
                             "with_inputs": True}, 5)
    (out, total), (x_after, _) = reply["result"], reply["args"]
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and total == 3
    assert x_after.tolist() == [-2.0, 0.0] and x.tolist() == [1.0, 3.0]   # the judge's own array is untouched


def test_the_worker_raises_the_wrong_type_as_one_line(tmp_path):
    path = solution_file(tmp_path, """
        def softmax(x, axis=-1):
            return x.numpy()
    """)
    backend = InProcess(path, framework="torch")
    backend.load(5)
    with pytest.raises(SolutionWrongType) as e:
        backend.request({"op": "call", "name": "softmax", "args": [np.zeros(2)], "kwargs": {}}, 5)
    assert str(e.value) == "returned a numpy.ndarray; a PyTorch solution returns torch.Tensor"


def test_what_a_lent_object_answers_reaches_a_torch_attempt_as_tensors(tmp_path):
    """A toy lent by the judge answers with arrays; the solution gets them as an argument: tensors for
    PyTorch, the arrays themselves for NumPy. What the solution sends the toy arrives as arrays."""
    path = solution_file(tmp_path, """
        import torch
        def ask(model):
            probs = model.next_dist([1, torch.tensor(2)])
            assert isinstance(probs, torch.Tensor) and probs.dtype == torch.float64, type(probs)
            return probs * 2
    """)
    seen = []

    def answer(lent_id, method, args, kwargs):
        seen.append(args[0])
        return {"value": np.array([0.25, 0.75])}

    backend = InProcess(path, framework="torch")
    backend.load(5)
    lent = wire.Lent(1, "Toy", ["next_dist"])
    out = backend.request({"op": "call", "name": "ask", "args": [lent], "kwargs": {}}, 5, answer)
    assert out.tolist() == [0.5, 1.5] and seen[0][0] == 1 and int(seen[0][1]) == 2


# -- the four bad inputs of the issue, graded against the softmax kata ----------------------------

REFERENCE = (REPO / "graders" / "keys" / "softmax" / "torch" / "reference.py").read_text()
BAD = {
    "imports both frameworks": ("import numpy as np\n" + REFERENCE, "disallowed",
                                "`import numpy as np` imports numpy: this is the PyTorch attempt, which uses torch only "
                                "(the NumPy attempt is solutions/softmax.py)"),
    "returns NumPy": (REFERENCE.replace("    return grad.reshape(logits.shape).to(_float_dtype(logits))",
                                        "    return grad.reshape(logits.shape).to(_float_dtype(logits)).numpy()"),
                      "failed", "returned a numpy.ndarray; a PyTorch solution returns torch.Tensor"),
    "a CUDA tensor": (REFERENCE + textwrap.dedent("""
        class _OnGpu(torch.Tensor):
            is_cuda = property(lambda self: True)
        _softmax = softmax
        def softmax(x, axis=-1):
            return _softmax(x, axis).as_subclass(_OnGpu)
    """), "failed", "returned a tensor on cpu; results are CPU tensors (.cpu())"),
    "requires grad": (REFERENCE + textwrap.dedent("""
        _softmax = softmax
        def softmax(x, axis=-1):
            return _softmax(x, axis) + torch.zeros_like(x, requires_grad=True)
    """), "failed", "returned a tensor that requires grad; results are plain tensors"),
}


@pytest.fixture(scope="module")
def spawner():
    spawner = Spawner(detect(SANDBOX_MODE))
    yield spawner
    spawner.close()


@pytest.mark.parametrize("case", list(BAD))
def test_bad_torch_attempts_get_one_clear_line(case, tmp_path, spawner):
    source, status, line = BAD[case]
    kata = load_manifest(REPO / "kata.yaml")["softmax"]
    result = grade(kata, Paths(REPO), solution_file(tmp_path, source), spawner=spawner, framework="torch")
    assert result.status == status and result.kata == "softmax_torch"
    messages = [result.message] if status == "disallowed" else [t.message for t in result.tests if t.status != "passed"]
    assert messages and all(line in m and len(m.splitlines()) == 1 for m in messages), messages



def test_a_fresh_workers_import_is_not_the_tests_time(tmp_path, spawner):
    """A determinism test waits for its fresh worker to import torch and the solution (here slowed past the
    test's limit, logreg's timeout_s): that wait is not the test's time, as the first worker's import is not."""
    kata = load_manifest(REPO / "kata.yaml")["logreg"]
    reference = (REPO / "graders" / "keys" / "logreg" / "torch" / "reference.py").read_text()
    slow = solution_file(tmp_path, f"{reference}\nimport time\ntime.sleep({kata.timeout_s + 3})\n", "logreg_torch.py")
    result = grade(kata, Paths(REPO), slow, spawner=spawner, framework="torch")
    assert result.status == "passed", [t.message for t in result.tests if t.status != "passed"]


def test_the_wire_carries_what_the_seam_accepts():
    """The results the seam lets through are plain data on the wire (arrays on the judge's side)."""
    from graders.session import _through_the_wire

    for value in (torch.zeros(2, dtype=torch.float32), torch.tensor(3, dtype=torch.int64)):
        check_result(value, "torch")
        decoded = _through_the_wire(wire.encode(value))
        assert isinstance(decoded, np.ndarray) and decoded.dtype == value.numpy().dtype


def test_torchs_import_is_not_counted_against_the_solutions_import_limit(tmp_path):
    from graders.session import FRAMEWORK_IMPORT_S, Worker

    assert Worker(tmp_path / "a.py", 512, None, framework="torch").framework_import_s() == FRAMEWORK_IMPORT_S
    assert Worker(tmp_path / "a.py", 512, None, framework="numpy").framework_import_s() == 0.0


# -- a PyTorch attempt inside the engine: shared inputs, the forbidden list -----------------------

def test_a_torch_attempts_in_place_edit_reaches_the_judge_through_the_shared_inputs(tmp_path, spawner):
    """The tensors a with_inputs call hands the solution are views of the file the judge reads back."""
    from graders.session import Worker

    path = solution_file(tmp_path, """
        import torch
        def shift(x, labels):
            assert isinstance(x, torch.Tensor) and x.dtype == torch.float32 and labels.dtype == torch.int64
            x -= x.max()
            labels += 1
            return x.clone()
    """, name="shift_torch.py")
    worker = Worker(path, 512, spawner, framework="torch")
    try:
        x, labels = np.array([1.0, 3.0], np.float32), np.array([1, 2], np.int64)
        reply = worker.request({"op": "call", "name": "shift", "args": [x, labels], "kwargs": {}, "with_inputs": True},
                               30)
    finally:
        worker.close()
    assert reply["result"].tolist() == [-2.0, 0.0]
    assert reply["args"][0].tolist() == [-2.0, 0.0] and reply["args"][1].tolist() == [2, 3]
    assert x.tolist() == [1.0, 3.0] and labels.tolist() == [1, 2]  # the judge's own arrays are untouched


def test_the_sandbox_never_hides_a_package_the_worker_imports():
    """The torch attempt forbids numpy and torch's autograd, which the worker itself imports: the sandbox
    shows them (the guard and the static check keep the solution off them); the rest stays hidden."""
    from graders.sandbox import hidden_paths

    rules = ("numpy", "torch.autograd", "torch._C", "json")
    needed = frameworks.worker_packages("torch")
    assert needed == ("numpy", "torch") and frameworks.worker_packages("numpy") == ("numpy",)
    package_dirs = [str(Path(m.__file__).parent) for m in (np, torch)]
    assert any(p.startswith(tuple(package_dirs)) for p in hidden_paths(rules))  # as it was: the worker broken
    kept = hidden_paths(rules, needed)
    assert kept and not any(p.startswith(tuple(package_dirs)) for p in kept)  # json is still hidden


def torch_softmax_kata_grade(tmp_path, spawner, source):
    kata = load_manifest(REPO / "kata.yaml")["softmax"]
    return grade(kata, Paths(REPO), solution_file(tmp_path, source), spawner=spawner, framework="torch")


def test_the_torch_reference_grades_with_numpy_and_torch_modules_forbidden(tmp_path, spawner):
    """softmax's PyTorch list forbids numpy, torch.autograd, torch._C...: the worker still runs (in the
    sandbox where there is one)."""
    result = torch_softmax_kata_grade(tmp_path, spawner, REFERENCE)
    assert result.status == "passed", [t.message for t in result.tests if t.status != "passed"] or result.message


def test_a_torch_attempt_importing_numpy_at_run_time_is_disallowed(tmp_path, spawner):
    """The worker has numpy loaded; the solution's own import of a numpy module is still the solution's."""
    source = REFERENCE + textwrap.dedent("""
        import importlib
        _softmax = softmax
        def softmax(x, axis=-1):
            try:
                importlib.import_module("num" + "py.fft")
            except ImportError:
                pass
            return _softmax(x, axis)
    """)
    result = torch_softmax_kata_grade(tmp_path, spawner, source)
    assert result.status == "disallowed" and "importing `numpy.fft`" in result.message, result.message


def test_a_forbidden_tensor_method_is_a_tripwire(tmp_path, spawner):
    """`torch.Tensor.softmax` reached by a name the static check cannot read: the guard trips it."""
    source = REFERENCE + textwrap.dedent("""
        _softmax = softmax
        def softmax(x, axis=-1):
            try:
                getattr(x, "soft" + "max")(axis)
            except Exception:
                pass
            return _softmax(x, axis)
    """)
    result = torch_softmax_kata_grade(tmp_path, spawner, source)
    assert result.status == "disallowed" and "`torch.Tensor.softmax` called at run time" in result.message, result.message


def test_a_method_the_solution_defines_is_its_own_until_a_tensors_is_called(tmp_path, spawner):
    """A class of the learner's own may have a `backward` method (mlp_backprop's layers): calling it is
    allowed; the tensor's `backward`, reached under the cover of that name, is tripped at run time."""
    own_layer = textwrap.dedent("""
        class Scale:
            def backward(self, grad):
                return 2 * grad
        _softmax = softmax
        def softmax(x, axis=-1):
            return Scale().backward(_softmax(x, axis)) / 2
    """)
    assert torch_softmax_kata_grade(tmp_path, spawner, REFERENCE + own_layer).status == "passed"
    autograd = own_layer.replace("return Scale().backward(_softmax(x, axis)) / 2",
                                 "w = torch.ones(1, requires_grad=True)\n"
                                 "    (w * 2).sum().backward()\n"
                                 "    return _softmax(x, axis)")
    result = torch_softmax_kata_grade(tmp_path, spawner, REFERENCE + autograd)
    assert result.status == "disallowed" and "`torch.Tensor.backward` called at run time" in result.message, result.message


@pytest.mark.skipif(not detect("auto").cgroup and SANDBOX_MODE != "require", reason="no cgroup for the sandbox here")
def test_torchs_own_memory_is_not_counted_against_the_solutions_memory_cap(tmp_path, spawner):
    """A PyTorch attempt using 160 MB of a 300 MB cap: torch's ~150 MB of its own memory is the worker's."""
    from graders.session import Worker

    path = solution_file(tmp_path, """
        import torch
        def fill(n):
            return float(torch.ones(n, dtype=torch.float64).sum())
    """, name="fill_torch.py")
    worker = Worker(path, 300, spawner, framework="torch")
    try:
        assert worker.request({"op": "call", "name": "fill", "args": [160 * 2**17], "kwargs": {}}, 60) == 160 * 2**17
    finally:
        worker.close()


def test_a_spare_serves_only_an_attempt_of_its_hidden_set_and_preload():
    """The spare started for a PyTorch attempt has torch imported: a NumPy attempt gets a process of its own."""
    spawner = Spawner(detect("off"))
    try:
        first = spawner.take(("numpy",), "torch")
        torch_spare = spawner.spare
        assert torch_spare.preload == "torch" and spawner.take(("numpy",), "torch") is torch_spare
        numpy_process = spawner.take(("torch",), None)
        assert numpy_process is not torch_spare and numpy_process.preload is None and spawner.spare.preload is None
    finally:
        for process in (first, torch_spare, numpy_process):
            process.kill()
        spawner.close()


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_a_hidden_test_can_ask_which_framework_the_attempt_is_in(tmp_path, framework):
    """The `framework` fixture: the attempt's, for the rare test whose contract differs between the two."""
    import shutil

    from conftest import ENGINE_KATA

    root = tmp_path / "repo"
    shutil.copytree(ENGINE_KATA, root)
    manifest = root / "kata.yaml"
    manifest.write_text(manifest.read_text().replace("      forbidden: [torch, scipy.special.softmax]\n",
                                                     "      forbidden: [torch, scipy.special.softmax]\n"
                                                     "    torch:\n      forbidden: [numpy]\n", 1))
    tests = root / "katas" / "probe"
    for old in tests.glob("test_*.py"):
        old.unlink()
    (tests / "test_framework.py").write_text(textwrap.dedent("""
        import pytest

        @pytest.mark.category("correctness")
        def test_the_framework_is_the_attempts(framework, solution):
            assert framework == solution.written_in(), framework
    """))
    shutil.copy(tests / "starter.py", tests / "starter_torch.py")
    source = solution_file(tmp_path, f"def written_in():\n    return {framework!r}\n", name="probe.py")
    kata = load_manifest(manifest)["probe"]
    result = grade(kata, Paths(root), source, framework=framework, backend=InProcess(source, framework))
    assert result.status == "passed", [t.message for t in result.tests] or result.message


def test_waiting_for_a_fresh_workers_imports_is_not_the_tests_time(tmp_path):
    """A fresh process imports the framework and the solution (timed once, at the first load) before the
    test can use it: on a loaded machine torch alone takes seconds. That wait stops the test's clock."""
    import shutil

    from conftest import ENGINE_KATA

    root = tmp_path / "repo"
    shutil.copytree(ENGINE_KATA, root)
    tests = root / "katas" / "probe"
    for old in tests.glob("test_*.py"):
        old.unlink()
    (tests / "test_fresh.py").write_text(textwrap.dedent("""
        import pytest

        @pytest.mark.category("determinism")
        def test_a_fresh_process_adds(fresh_solution):
            fresh = fresh_solution()
            assert fresh.solution.add(1, 2) == 3
    """))
    # 2 s to import, 1.5 s to add: 3.5 s in the test if the fresh import counted, over probe's 3 s limit
    source = solution_file(tmp_path, "import time\ntime.sleep(2.0)\n"
                                     "def add(a, b):\n    time.sleep(1.5)\n    return a + b\n", name="probe.py")
    kata = load_manifest(root / "kata.yaml")["probe"]
    assert kata.timeout_s == 3
    spawner = Spawner(detect("off"))
    try:
        result = grade(kata, Paths(root), source, spawner=spawner)
    finally:
        spawner.close()
    assert result.status == "passed", [t.message for t in result.tests] or result.message
