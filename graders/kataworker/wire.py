"""Plain data across the trust boundary: encode to bytes, decode without executing anything.

A message is a JSON tree plus raw buffers. Python scalars, str, None and NaN/inf floats are
JSON; everything else is a one-key object naming its kind:
    {"list": [...]}  {"tuple": [...]}  {"dict": [[k, v], ...]}  {"bytes": i}
    {"array": [i, dtype, shape]}  {"scalar": [i, dtype]}  {"handle": [id, type_name]}
    {"make": [factory, args, kwargs]}      (judge -> worker only: build a trusted helper object)
    {"lent": [id, type_name, methods]}     (judge -> worker only: an object that stays in the judge)
where i indexes the raw buffers. Decoding reads dtypes from a whitelist and buffers with
np.frombuffer: no pickle, no eval, no class lookup.
Framing on a pipe: 8-byte length of the JSON, the JSON, then per buffer an 8-byte length and bytes.
"""

import json
import math
import os
import reprlib
import struct

import numpy as np

MAX_MESSAGE_BYTES = 512 * 2**20  # a larger reply is refused, not read into the judge's memory
MAX_TREE_BYTES = 32 * 2**20      # the JSON part: arrays travel as raw buffers, so real replies are small
MAX_NODES = 1_000_000            # values built while decoding one message
MAX_DEPTH = 100                  # containers nested in one another (real replies nest a few deep)
MAX_DIMS = 64                    # NumPy's own limit on an array's dimensions
MAX_NAME_CHARS = 1000            # a handle's type name (a class name)
SCALARS = frozenset((type(None), bool, int, float, str))  # JSON's own leaves (exact types, no subclasses)

SAFE_DTYPES = {
    np.dtype(name).str: np.dtype(name)
    for name in (
        "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        "float16", "float32", "float64", "complex64", "complex128",
    )
}


class WireError(Exception):
    """A message that is not plain data, too large, or malformed."""


class Handle:
    """A reference to an object that lives in the worker (a class instance the solution made)."""

    def __init__(self, id, type_name):
        self.id, self.type_name = id, type_name

    def __repr__(self):
        return f"<{self.type_name} in the solution's process>"


class Make:
    """Judge-side request for the worker to build a helper object from trusted code,
    e.g. Make("numpy.random:default_rng", 0) for an `rng` argument."""

    def __init__(self, factory, *args, **kwargs):
        self.factory, self.args, self.kwargs = factory, args, kwargs


class Lent:
    """A reference to an object that stays in the judge (a toy model that counts its calls): the
    worker gets a stand-in whose `methods` call back across the pipe."""

    def __init__(self, id, type_name, methods):
        self.id, self.type_name, self.methods = id, type_name, tuple(methods)

    def __repr__(self):
        return f"<{self.type_name} in the judge>"


def encode(value, to_handle=None):
    """value -> bytes. `to_handle(obj) -> Handle` is called for objects that are not plain data
    (the worker keeps them); without it such objects raise WireError."""
    buffers, size = [], 0

    def add_buffer(data):
        nonlocal size
        buffers.append(data)
        size += len(data)
        if size > MAX_MESSAGE_BYTES:
            raise WireError(f"the value is over the {MAX_MESSAGE_BYTES >> 20} MiB limit")
        return len(buffers) - 1

    def enc(v):
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, float)) and type(v) in (int, float, bool):
            return v
        if isinstance(v, np.ndarray) or _is_tensor(v):
            arr = _as_plain_array(v)
            return {"array": [add_buffer(arr.tobytes()), arr.dtype.str, list(arr.shape)]}
        if isinstance(v, np.generic):
            arr = _as_plain_array(np.asarray(v))
            return {"scalar": [add_buffer(arr.tobytes()), arr.dtype.str]}
        if isinstance(v, int):  # an int subclass (e.g. IntEnum): keep the number only
            return int(v)
        if isinstance(v, float):
            return float(v)
        if isinstance(v, (bytes, bytearray)):
            return {"bytes": add_buffer(bytes(v))}
        if isinstance(v, (list, tuple)):
            kind = "list" if isinstance(v, list) else "tuple"
            if all(type(x) in SCALARS for x in v):  # a list of numbers (a reply of tokens): JSON as it is
                return {kind: list(v)}
            return {kind: [enc(x) for x in v]}
        if isinstance(v, dict):
            return {"dict": [[enc(k), enc(x)] for k, x in v.items()]}
        if isinstance(v, Handle):
            return {"handle": [v.id, v.type_name]}
        if isinstance(v, Make):
            return {"make": [v.factory, enc(list(v.args)), enc(v.kwargs)]}
        if isinstance(v, Lent):
            return {"lent": [v.id, v.type_name, list(v.methods)]}
        if to_handle is not None:
            return enc(to_handle(v))
        raise WireError(f"cannot send a {type(v).__name__}: only numbers, strings, lists, dicts and arrays")

    try:
        tree = json.dumps(enc(value)).encode()
    except RecursionError:
        raise WireError("the value is nested too deeply (or contains itself)") from None
    parts = [struct.pack("<Q", len(tree)), tree]
    for buf in buffers:
        parts += [struct.pack("<Q", len(buf)), buf]
    message = b"".join(parts)
    if len(message) > MAX_MESSAGE_BYTES:
        raise WireError(f"the value is {len(message) / 2**20:.0f} MiB, over the {MAX_MESSAGE_BYTES >> 20} MiB limit")
    return message


def decode(tree, buffers, check=None):
    """(JSON tree, list of bytes) -> value, building only plain types, ndarrays, Handles and Makes.
    At most MAX_NODES values nested at most MAX_DEPTH deep; anything else raises WireError (never
    another exception). `check()` is called every 10,000 values (to stop a slow decode at a deadline)."""
    nodes = 0

    def dec(v, depth):
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES:
            raise WireError(f"a message of more than {MAX_NODES:,} values")
        if depth > MAX_DEPTH:
            raise WireError(f"a value nested more than {MAX_DEPTH} deep")
        if check is not None and nodes % 10_000 == 0:
            check()
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if not (isinstance(v, dict) and len(v) == 1):
            raise WireError(f"malformed node {_clip(v)}")
        (kind, x), = v.items()
        if kind in ("list", "tuple"):
            x = _fields(x, kind)
            if all(type(i) in SCALARS for i in x):  # leaves only: counted, not visited one by one
                before, nodes = nodes, nodes + len(x)
                if nodes > MAX_NODES:
                    raise WireError(f"a message of more than {MAX_NODES:,} values")
                if check is not None and nodes // 10_000 > before // 10_000:
                    check()
                items = x
            else:
                items = [dec(i, depth + 1) for i in x]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            pairs = [_fields(pair, "dict entry", 2) for pair in _fields(x, kind)]
            return {_hashable(dec(k, depth + 1)): dec(i, depth + 1) for k, i in pairs}
        if kind == "bytes":
            return _buffer(buffers, x)
        if kind == "array":
            index, dtype, shape = _fields(x, kind, 3)
            return _array(_buffer(buffers, index), dtype, shape)
        if kind == "scalar":
            index, dtype = _fields(x, kind, 2)
            return _array(_buffer(buffers, index), dtype, [])[()]
        if kind == "handle":
            return _handle(*_fields(x, kind, 2))
        if kind == "make":
            factory, args, kwargs = _fields(x, kind, 3)
            args, kwargs = dec(args, depth + 1), dec(kwargs, depth + 1)
            if not (isinstance(factory, str) and isinstance(args, list) and isinstance(kwargs, dict)
                    and all(isinstance(k, str) for k in kwargs)):
                raise WireError("malformed make: expected [factory, list, dict of str keys]")
            return Make(factory, *args, **kwargs)
        if kind == "lent":
            return _lent(*_fields(x, kind, 3))
        raise WireError(f"unknown kind {_clip(kind)}")

    try:
        return dec(tree, 0)
    except WireError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, RecursionError, AttributeError, OverflowError,
            MemoryError) as e:
        raise WireError(f"malformed message: {type(e).__name__}: {str(e)[:200]}") from None


def write_message(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_message(read_exact, check=None):
    """Read one framed message with `read_exact(n) -> bytes`; returns the decoded value. Anything
    malformed or over the caps raises WireError before it is built; `check` as in `decode`."""
    (tree_len,) = struct.unpack("<Q", read_exact(8))
    if tree_len > MAX_TREE_BYTES:
        raise WireError(f"a message header announcing {tree_len:,} bytes of structure (the cap is {MAX_TREE_BYTES:,})")
    try:
        tree = json.loads(read_exact(tree_len))
    except (ValueError, RecursionError) as e:
        raise WireError(f"malformed message: {e}") from None
    total, buffers = tree_len, []
    for _ in range(_count_buffers(tree)):
        (n,) = struct.unpack("<Q", read_exact(8))
        total += n
        if total > MAX_MESSAGE_BYTES:
            raise WireError(f"message over the {MAX_MESSAGE_BYTES >> 20} MiB limit")
        buffers.append(read_exact(n))
    return decode(tree, buffers, check)


def _count_buffers(tree):
    count, visited, stack = 0, 0, [tree]
    while stack:
        v = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            raise WireError(f"a message of more than {MAX_NODES:,} values")
        if isinstance(v, dict) and len(v) == 1:
            (kind, x), = v.items()
            if kind in ("array", "scalar", "bytes"):
                count += 1
            elif isinstance(x, list):
                stack.extend(x)
        elif isinstance(v, list):
            stack.extend(v)
    return count


def _is_tensor(v):
    return type(v).__module__ == "torch" and type(v).__name__ in ("Tensor", "Parameter")


def _as_plain_array(v):
    """Any ndarray subclass or tensor -> a C-contiguous, native-order base ndarray of a safe dtype."""
    if _is_tensor(v):
        v = v.detach().cpu().numpy()
    if v.nbytes > MAX_MESSAGE_BYTES:
        raise WireError(f"an array of {v.nbytes / 2**20:.0f} MiB is over the {MAX_MESSAGE_BYTES >> 20} MiB limit")
    arr = np.array(v, copy=True, subok=False, order="C")
    if arr.dtype.str not in SAFE_DTYPES:
        native = arr.dtype.newbyteorder("=")
        if native.str not in SAFE_DTYPES:
            raise WireError(f"cannot send an array of dtype {arr.dtype}")
        arr = arr.astype(native)
    return arr


def _fields(x, kind, count=None):
    """A node's value: a JSON list (of `count` items when given)."""
    if not isinstance(x, list) or (count is not None and len(x) != count):
        raise WireError(f"malformed {kind}: expected a list{f' of {count} items' if count else ''}, got {_clip(x)}")
    return x


def _is_int(n):
    return isinstance(n, int) and not isinstance(n, bool)


def _buffer(buffers, index):
    if not _is_int(index) or not 0 <= index < len(buffers):
        raise WireError("bad buffer index")
    return buffers[index]


def _handle(id, type_name):
    if not (_is_int(id) and 0 < id < 2**63):
        raise WireError(f"a handle id must be a positive int, got {_clip(id)}")
    if not (isinstance(type_name, str) and len(type_name) <= MAX_NAME_CHARS):
        raise WireError(f"a handle's type name must be a str of at most {MAX_NAME_CHARS} characters")
    return Handle(id, type_name)


def _lent(id, type_name, methods):
    if not (_is_int(id) and 0 < id < 2**63 and isinstance(type_name, str) and len(type_name) <= MAX_NAME_CHARS
            and isinstance(methods, list) and len(methods) <= MAX_NODES
            and all(isinstance(m, str) and len(m) <= MAX_NAME_CHARS for m in methods)):
        raise WireError("malformed lent: expected [positive int id, short type name, list of short method names]")
    return Lent(id, type_name, methods)


def _array(buf, dtype, shape):
    """An ndarray of a whitelisted dtype from a buffer that holds exactly shape's items."""
    if not isinstance(dtype, str) or dtype not in SAFE_DTYPES:
        raise WireError(f"dtype {_clip(dtype)} is not allowed")
    if not (isinstance(shape, list) and len(shape) <= MAX_DIMS
            and all(_is_int(n) and 0 <= n <= MAX_MESSAGE_BYTES for n in shape)):
        raise WireError(f"bad array shape {_clip(shape)}")
    dt = SAFE_DTYPES[dtype]
    if dt.itemsize * math.prod(shape) != len(buf):
        raise WireError("array size does not match its shape")
    return np.frombuffer(buf, dtype=dt).reshape(shape).copy()  # writable, owns its memory


def _clip(value, limit=80):
    """A short repr of a piece of a malformed message (which may be huge), for an error message."""
    return reprlib.repr(value)[:limit]


def _hashable(k):
    return tuple(_hashable(i) for i in k) if isinstance(k, list) else k
