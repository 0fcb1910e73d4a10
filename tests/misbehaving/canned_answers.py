"""Canned answers: no computation at all, only a table of the reference's outputs keyed by a hash
of the inputs (the hidden tests' fixed seeds make every input known in advance). Any input not in
the table gets zeros. tests/test_fresh_inputs.py fills the table and saves this as canned_<kata>.py."""
import base64
import hashlib
import pickle

import numpy as np

TABLE = ""  # base64 of a pickled {name: {input hash: answer}}, filled in by tests/test_fresh_inputs.py
ANSWERS = pickle.loads(base64.b64decode(TABLE))


def key(name, args, kwargs):
    """The same hash as records_answers.py."""
    def flat(v):
        if isinstance(v, np.ndarray):
            return ("array", str(v.dtype), v.shape, hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest())
        if isinstance(v, (list, tuple)):
            return (type(v).__name__, tuple(flat(x) for x in v))
        if isinstance(v, dict):
            return ("dict", tuple(sorted((k, flat(x)) for k, x in v.items())))
        return repr(v)
    return hashlib.sha256(repr((name, flat(args), flat(kwargs))).encode()).hexdigest()


def _canned(name):
    def answer(*args, **kwargs):
        known = ANSWERS[name].get(key(name, args, kwargs))
        if known is None:
            return np.zeros_like(np.asarray(args[0], dtype=float))
        if isinstance(known, Exception):
            raise known
        return known
    return answer


for _name in ANSWERS:
    globals()[_name] = _canned(_name)
