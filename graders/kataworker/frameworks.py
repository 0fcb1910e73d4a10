"""The seam between hidden tests written in NumPy and a solution written in PyTorch, in the worker.

The judge always sends NumPy data and receives NumPy data (the wire turns tensors into arrays), so
one test file grades both attempts of a kata. The `load` request names the attempt's framework:
    "numpy":  arguments pass unchanged; a result holding a torch.Tensor is the wrong type.
    "torch":  arguments are converted before the call (float and bool arrays -> tensors of the same
              dtype, integer arrays -> int64 tensors, NumPy scalars -> Python numbers, an rng the test
              builds with make("numpy.random:default_rng", seed) -> a torch.Generator seeded with
              seed); a result must hold CPU tensors that do not require grad, of a plain dtype, and no
              NumPy arrays or scalars (Python numbers and 0-d tensors stand for numbers).
    None:     no conversion and no check (a kata whose tests speak the solution's own framework).
What an object the judge lends answers (a toy model's probabilities) is converted like an argument.
Standalone (NumPy, the standard library, torch imported only for a torch attempt).
"""

import os
import sys

import numpy as np

NUMPY, TORCH = "numpy", "torch"
SEAMS = (NUMPY, TORCH)
RNG_FACTORY = "numpy.random:default_rng"
TORCH_DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64")


class WrongType(Exception):
    """A result of the wrong framework's type, or a tensor the judge cannot take (one line)."""


def prepare(framework):
    """At load, before the solution is imported and its memory capped: import the attempt's framework
    (torch, on one thread) -> the bytes of address space the import took, which the cap adds (torch maps
    ~0.5 GB: the kata's memory_mb stays the solution's own)."""
    if framework not in (None, *SEAMS):
        raise ValueError(f"unknown framework {framework!r}")
    if framework != TORCH:
        return 0
    before = _address_space()
    import torch

    torch.set_num_threads(1)
    return max(0, _address_space() - before)


def worker_packages(framework):
    """The packages the worker itself imports for an attempt in `framework` (NumPy always: the wire; torch
    for a torch attempt): a forbidden list never hides them from the worker (sandbox.hidden_paths, guard.py)."""
    return (NUMPY, TORCH) if framework == TORCH else (NUMPY,)


def _address_space():
    """This process's virtual memory size in bytes (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def preload_of(framework):
    """What a worker for an attempt in `framework` imports before its first request: "torch" or None."""
    return TORCH if framework == TORCH else None


def to_solution(value, framework):
    """An argument as the judge sent it -> the argument the solution gets (see the module docstring)."""
    if framework != TORCH:
        return value
    if isinstance(value, np.ndarray):
        return _tensor(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [to_solution(v, framework) for v in value]
    if isinstance(value, tuple):
        return tuple(to_solution(v, framework) for v in value)
    if isinstance(value, dict):
        return {k: to_solution(v, framework) for k, v in value.items()}
    return value


def _tensor(array):
    """A tensor the solution owns, sharing memory with the worker's private copy of `array`."""
    import torch

    if array.dtype.kind in "iu":
        array = array.astype(np.int64, copy=False)  # an int64 array stays the judge's (a with_inputs view)
    elif array.dtype.kind not in "bf":
        raise ValueError(f"the judge sent an array of dtype {array.dtype}, which has no PyTorch counterpart here")
    elif not array.flags.writeable:
        array = array.copy()
    return torch.from_numpy(array)


def factory_for(factory, framework):
    """The builder of a `make` request for this framework, or None for the factory as named."""
    return torch_generator if framework == TORCH and factory == RNG_FACTORY else None


def torch_generator(seed=None):
    """What make("numpy.random:default_rng", seed) gives a PyTorch attempt: a CPU torch.Generator."""
    import torch

    generator = torch.Generator()
    if seed is None:
        generator.seed()
    elif isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0:
        generator.manual_seed(seed)
    else:
        raise ValueError(f"a torch.Generator is seeded with an int >= 0, not {seed!r}")
    return generator


def check_result(value, framework, where="returned"):
    """Raise WrongType, with one line naming the value, when a result breaks `framework`'s types."""
    if framework not in SEAMS or (framework == NUMPY and "torch" not in sys.modules):
        return  # nothing can be a tensor where torch was never imported: no walk on NumPy's hot path
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            check_result(v, framework, f"{where} (item {i} of a {type(value).__name__})")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            check_result(v, framework, f"{where} (at key {k!r})")
        return
    if framework == NUMPY and _is_tensor(value):
        raise WrongType(f"{where} a torch.Tensor; a NumPy solution returns numpy.ndarray (the PyTorch attempt "
                        "is solutions/<kata>_torch.py)")
    if framework == TORCH:
        _check_torch(value, where)


def _check_torch(value, where):
    if isinstance(value, np.ndarray):
        raise WrongType(f"{where} a numpy.ndarray; a PyTorch solution returns torch.Tensor")
    if isinstance(value, np.generic):
        raise WrongType(f"{where} a numpy.{type(value).__name__}; a PyTorch solution returns a Python number "
                        "or a 0-d torch.Tensor")
    if not _is_tensor(value):
        return
    if value.is_cuda or value.device.type != "cpu":
        raise WrongType(f"{where} a tensor on {value.device}; results are CPU tensors (.cpu())")
    if value.requires_grad:
        raise WrongType(f"{where} a tensor that requires grad; results are plain tensors (.detach(), or compute "
                        "under torch.no_grad())")
    if str(value.dtype).removeprefix("torch.") not in TORCH_DTYPES:
        raise WrongType(f"{where} a tensor of dtype {value.dtype}; results are bool, integer or float16/32/64 "
                        "tensors")


def _is_tensor(value):
    """A torch.Tensor (subclasses included), without importing torch when nothing has."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)
