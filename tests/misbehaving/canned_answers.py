"""Canned answers: no computation at all, only a table of the reference's outputs keyed by a hash of
the inputs (the hidden tests' fixed seeds make every input known in advance); an input not in the
table gets zeros. tests/test_fresh_inputs.py makes it in two steps: first graded unsandboxed with
REFERENCE and LOG filled in, it runs the reference and logs every call's inputs and answer; then,
with TABLE filled in from that log, it is saved as canned_<kata>.py, the attack."""
import base64
import hashlib
import pickle

import numpy as np

REFERENCE = "@REFERENCE@"  # step 1: the reference solution to record
LOG = "@LOG@"              # step 1: where each call's (input hash, name, answer) is appended
TABLE = ""                 # step 2: base64 of a pickled {name: {input hash: answer}}


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


def recording(name, function):
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


def canned(name, answers):
    def answer(*args, **kwargs):
        known = answers.get(key(name, args, kwargs))
        if known is None:
            return np.zeros_like(np.asarray(args[0], dtype=float))
        if isinstance(known, Exception):
            raise known
        return known
    return answer


if TABLE:
    for _name, _answers in pickle.loads(base64.b64decode(TABLE)).items():
        globals()[_name] = canned(_name, _answers)
else:
    _reference = {}
    with open(REFERENCE) as _f:
        exec(compile(_f.read(), REFERENCE, "exec"), _reference)
    for _name, _value in list(_reference.items()):
        if callable(_value) and not _name.startswith("_") and getattr(_value, "__module__", None) is None:
            globals()[_name] = recording(_name, _value)
