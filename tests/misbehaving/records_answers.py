"""Not an attack by itself: the reference, with every call's inputs and answer appended to a log,
so that tests/test_fresh_inputs.py can build canned_answers.py's table. Graded unsandboxed."""
import hashlib
import pickle

import numpy as np

REFERENCE = "@REFERENCE@"  # filled in by tests/test_fresh_inputs.py
LOG = "@LOG@"


def key(name, args, kwargs):
    """A hash of a call's inputs: arrays by dtype, shape and bytes, everything else by repr."""
    def flat(v):
        if isinstance(v, np.ndarray):
            return ("array", str(v.dtype), v.shape, hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest())
        if isinstance(v, (list, tuple)):
            return (type(v).__name__, tuple(flat(x) for x in v))
        if isinstance(v, dict):
            return ("dict", tuple(sorted((k, flat(x)) for k, x in v.items())))
        return repr(v)
    return hashlib.sha256(repr((name, flat(args), flat(kwargs))).encode()).hexdigest()


def _recording(name, function):
    def call(*args, **kwargs):
        try:
            answer = function(*args, **kwargs)
        except Exception as e:
            answer = e
        with open(LOG, "ab") as log:
            pickle.dump((key(name, args, kwargs), name, answer), log)
        if isinstance(answer, Exception):
            raise answer
        return answer
    return call


_reference = {}
with open(REFERENCE) as _f:
    exec(compile(_f.read(), REFERENCE, "exec"), _reference)
for _name, _value in list(_reference.items()):
    if callable(_value) and not _name.startswith("_") and getattr(_value, "__module__", None) is None:
        globals()[_name] = _recording(_name, _value)
