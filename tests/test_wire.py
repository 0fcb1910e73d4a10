"""The codec that carries data across the trust boundary: faithful for plain data, and nothing it
decodes can run code, exhaust the judge's memory or masquerade as a trusted type."""

import io
import json
import struct

import numpy as np
import pytest

from graders.kataworker import wire


def round_trip(value):
    data = wire.encode(value)
    stream = io.BytesIO(data)
    return wire.read_message(lambda n: _read_exact(stream, n))


def _read_exact(stream, n):
    chunk = stream.read(n)
    if len(chunk) != n:
        raise EOFError
    return chunk


@pytest.mark.parametrize("dtype", sorted(wire.SAFE_DTYPES))
def test_arrays_keep_dtype_shape_and_values(dtype):
    x = (np.arange(24) % 7).astype(dtype).reshape(2, 3, 4)
    y = round_trip(x)
    assert type(y) is np.ndarray and y.dtype == x.dtype and y.shape == x.shape
    assert np.array_equal(x, y) and y.flags.writeable


def test_plain_values_keep_their_types():
    value = {"a": (1, 2.5, None, True), 3: [b"\x00", "é", float("inf")], (1, 2): np.float32(1.5)}
    back = round_trip(value)
    assert back[3][:2] == [b"\x00", "é"] and back[3][2] == float("inf")
    assert back["a"] == (1, 2.5, None, True) and type(back["a"]) is tuple
    assert type(back[(1, 2)]) is np.float32 and back[(1, 2)] == 1.5
    assert np.isnan(round_trip(float("nan")))
    assert type(round_trip(np.int64(3))) is np.int64


def test_non_contiguous_subclass_and_byte_swapped_arrays_become_plain():
    x = np.arange(12.0).reshape(3, 4)[:, ::2]
    assert np.array_equal(round_trip(x), x)
    m = round_trip(np.ma.masked_array([1.0, 2.0]))
    assert type(m) is np.ndarray
    big_endian = np.arange(3, dtype=">f8")
    back = round_trip(big_endian)
    assert back.dtype == np.float64 and np.array_equal(back, big_endian)


def test_objects_are_refused_without_a_keeper_and_kept_with_one():
    with pytest.raises(wire.WireError, match="cannot send a object"):
        wire.encode(object())
    with pytest.raises(wire.WireError, match="dtype object"):
        wire.encode(np.array([object()]))
    kept = []
    data = wire.encode([object()], to_handle=lambda obj: kept.append(obj) or wire.Handle(1, "object"))
    back = wire.read_message(lambda n, s=io.BytesIO(data): _read_exact(s, n))
    assert isinstance(back[0], wire.Handle) and len(kept) == 1


def test_a_lent_reference_crosses_as_its_id_type_and_methods():
    back = round_trip([wire.Lent(3, "ToyTarget", ("batch_next_token_dist",))])[0]
    assert (back.id, back.type_name, back.methods) == (3, "ToyTarget", ("batch_next_token_dist",))
    with pytest.raises(wire.WireError, match="malformed"):  # as hostile as any other node
        wire.decode({"lent": ["x", "T", []]}, [])


def test_self_referential_value_is_an_error_not_a_crash():
    loop = []
    loop.append(loop)
    with pytest.raises(wire.WireError):
        wire.encode(loop)


def test_oversized_messages_are_refused_before_reading(monkeypatch):
    monkeypatch.setattr(wire, "MAX_MESSAGE_BYTES", 1000)
    with pytest.raises(wire.WireError, match="limit"):
        wire.encode(np.zeros(1000))
    huge_header = struct.pack("<Q", 10**12)
    with pytest.raises(wire.WireError, match="bytes of structure"):
        wire.read_message(lambda n, s=io.BytesIO(huge_header): _read_exact(s, n))


@pytest.mark.parametrize("make_tree", [
    lambda n: {"list": list(range(n))},                                   # flat: counted without a visit each
    lambda n: {"tuple": [{"list": [0, 1]} for _ in range(n // 3 + 1)]},   # nested: visited one by one
])
def test_values_past_the_node_cap_are_refused_and_the_deadline_checked(monkeypatch, make_tree):
    monkeypatch.setattr(wire, "MAX_NODES", 30_000)
    with pytest.raises(wire.WireError, match="more than 30,000 values"):
        wire.decode(make_tree(30_001), [])
    checks = []
    assert wire.decode(make_tree(29_000), [], check=lambda: checks.append(1)) is not None
    assert checks  # the deadline is looked at as the count passes each 10,000 values, on either path


def test_lists_of_numbers_keep_their_exact_types():
    value = [[1, 2.5, True, None, "a"], (3, 4), [np.int64(5)], [float("nan")], [IntLike(7)]]
    back = round_trip(value)
    assert back[:2] == [[1, 2.5, True, None, "a"], (3, 4)]
    assert type(back[2][0]) is np.int64 and np.isnan(back[3][0]) and type(back[4][0]) is int


class IntLike(int):
    """An int subclass (e.g. an IntEnum) crosses as its number."""


@pytest.mark.parametrize("tree, buffers", [
    ({"array": [0, "|O", [1]]}, [b"12345678"]),          # object dtype: would build Python objects
    ({"array": [0, "<f8", [2]]}, [b"12345678"]),         # shape says 16 bytes, buffer has 8
    ({"array": [5, "<f8", [1]]}, [b"12345678"]),         # no such buffer
    ({"array": [0, "<f8", [-1]]}, [b"12345678"]),        # negative dimension
    ({"pickle": "cos\nsystem\n"}, []),                   # unknown kinds are refused, never interpreted
    ({"list": [1], "tuple": [2]}, []),                   # ambiguous node
    ([1, 2], []),                                        # a bare JSON list is not a valid node
])
def test_malformed_messages_raise_wire_error(tree, buffers):
    with pytest.raises(wire.WireError):
        wire.decode(tree, buffers)


# -- hostile replies: structured fuzzing of the decoder -------------------------------------------------
# Every tree the wire format can name, well-formed or not (wrong arities, negative, huge and overflowing
# shapes, unknown dtypes, buffer indices out of range, infinite and fractional handles, deep nesting):
# the decoder returns plain data or raises WireError, never another exception, in bounded time and memory.

import tracemalloc  # noqa: E402

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow], derandomize=True,
                database=None)  # the same examples every run, and no .hypothesis/ folder written
JSON_NUMBERS = st.one_of(st.integers(-3, 8), st.integers(min_value=-2**70, max_value=2**70),
                         st.floats(allow_nan=True, allow_infinity=True), st.booleans())
JSON_LEAVES = st.one_of(st.none(), JSON_NUMBERS, st.text(max_size=8))
DTYPES = st.one_of(st.sampled_from(sorted(wire.SAFE_DTYPES)),
                   st.sampled_from(["|O", "<U4", "|V8", "<M8[s]", ">f8", "f8"]),  # unsafe, unknown, unsized
                   st.text(max_size=6), JSON_NUMBERS, st.none())
DIMS = st.one_of(st.integers(0, 4), st.integers(-2**64, 2**66), st.floats(), st.booleans(), st.text(max_size=2))
SHAPES = st.one_of(st.lists(DIMS, max_size=5), st.lists(st.integers(0, 2), min_size=60, max_size=70),
                   st.lists(st.just(2**31), min_size=2, max_size=4), JSON_LEAVES)


def _node(kind, value):
    return {kind: value}


def _shaped(children):
    """The format's nodes over `children`, with right and wrong arities."""
    index = st.one_of(st.integers(-2, 4), JSON_LEAVES)
    any_list = st.lists(st.one_of(children, index, DTYPES, SHAPES), max_size=4)
    return st.one_of(
        st.builds(_node, st.just("list"), st.lists(children, max_size=4)),
        st.builds(_node, st.just("tuple"), st.lists(children, max_size=4)),
        st.builds(_node, st.just("dict"), st.lists(st.one_of(st.tuples(children, children).map(list), children),
                                                   max_size=3)),
        st.builds(_node, st.just("bytes"), index),
        st.builds(_node, st.just("array"), st.tuples(index, DTYPES, SHAPES).map(list)),
        st.builds(_node, st.just("scalar"), st.tuples(index, DTYPES).map(list)),
        st.builds(_node, st.just("handle"),
                  st.tuples(JSON_LEAVES, st.one_of(st.text(max_size=5), JSON_LEAVES)).map(list)),
        st.builds(_node, st.just("make"), st.tuples(JSON_LEAVES, children, children).map(list)),
        st.builds(_node, st.sampled_from(["list", "tuple", "dict", "bytes", "array", "scalar", "handle", "make",
                                          "pickle", ""]), st.one_of(any_list, JSON_LEAVES)),
        st.dictionaries(st.sampled_from(["list", "tuple", "array", "x"]), children, min_size=2, max_size=3),
        st.lists(children, max_size=3),
    )


TREES = st.recursive(JSON_LEAVES, _shaped, max_leaves=25)
BUFFERS = st.lists(st.one_of(st.binary(max_size=24), st.sampled_from([b"", b"\x00" * 8, b"\xff" * 16])), max_size=4)
PLAIN = (type(None), bool, int, float, str, bytes, list, tuple, dict, np.ndarray, np.generic, wire.Handle, wire.Make)


def _assert_plain(value, depth=0):
    assert depth <= wire.MAX_DEPTH + 1 and isinstance(value, PLAIN), type(value)
    if isinstance(value, np.ndarray):
        assert type(value) is np.ndarray and value.dtype.str in wire.SAFE_DTYPES
    if isinstance(value, dict):
        children = [*value, *value.values()]
    else:
        children = value if isinstance(value, (list, tuple)) else ()
    for child in children:
        _assert_plain(child, depth + 1)


def decodes_or_refuses(tree, buffers):
    """decode(tree, buffers) -> the value, or None for a WireError; fails on any other exception or on
    memory far beyond the message's own size."""
    size = len(json.dumps(tree)) + sum(map(len, buffers))
    tracemalloc.start()
    try:
        value = wire.decode(tree, buffers)
    except wire.WireError:
        value = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 2**20 + 200 * size, f"{peak:,} bytes to decode a {size:,}-byte message"
    _assert_plain(value)
    return value


@FUZZ
@given(TREES, BUFFERS)
def test_fuzzed_trees_decode_to_plain_data_or_wire_error(tree, buffers):
    decodes_or_refuses(tree, buffers)


@settings(FUZZ, max_examples=40)
@given(st.integers(0, 3 * wire.MAX_DEPTH), st.sampled_from(["list", "tuple", "dict", "make"]))
def test_nesting_past_the_cap_is_refused(depth, kind):
    tree = 1
    for _ in range(depth):
        tree = {"dict": [[1, tree]]} if kind == "dict" else (
            {"make": ["f", {"list": [tree]}, {"dict": []}]} if kind == "make" else {kind: [tree]})
    value = decodes_or_refuses(tree, [])
    assert (value is None) == (depth > wire.MAX_DEPTH // (2 if kind == "make" else 1))


@FUZZ
@given(st.lists(st.integers(-2**70, 2**70), max_size=6), st.sampled_from(sorted(wire.SAFE_DTYPES)),
       st.integers(0, 64))
def test_array_shapes_never_allocate_more_than_the_buffer_holds(shape, dtype, nbytes):
    value = decodes_or_refuses({"array": [0, dtype, shape]}, [b"\x01" * nbytes])
    if value is not None:
        assert value.nbytes == nbytes and list(value.shape) == shape


@FUZZ
@given(st.binary(max_size=200), st.integers(0, 40))
def test_framed_bytes_read_to_a_value_or_wire_error(data, tree_len):
    """Arbitrary bytes behind a plausible header: a value, a WireError, or the reader's own EOF."""
    stream = io.BytesIO(struct.pack("<Q", min(tree_len, len(data))) + data)
    try:
        _assert_plain(wire.read_message(lambda n: _read_exact(stream, n)))
    except (wire.WireError, EOFError):
        pass


@pytest.mark.parametrize("tree", [
    {"array": [0, "<f8", [2**62, 2**62]]},                # overflows int64: size must not wrap to the buffer's
    {"array": [0, "<f8", [2**64]]},                        # past any C integer
    {"array": [0, "<f8", [True]]},                         # a bool is not a dimension
    {"array": [0, "<f8", [0] * 65]},                       # more dimensions than NumPy has
    {"handle": [float("inf"), "Model"]},                   # an infinite handle
    {"handle": [1.5, "Model"]},                            # a fractional handle
    {"handle": [-1, "Model"]},
    {"handle": [1, "M" * 10_000]},                         # a type name the size of a page
    {"make": ["f", 1, 2]},
    {"bytes": True},                                       # True is not buffer 1
])
def test_hostile_nodes_found_by_hand_raise_wire_error(tree):
    with pytest.raises(wire.WireError):
        wire.decode(tree, [b"", b"12345678"])


@FUZZ
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63), st.floats(allow_nan=False),
                              st.text(max_size=5), st.binary(max_size=5)),
                    lambda kids: st.one_of(st.lists(kids, max_size=3), st.tuples(kids, kids),
                                           st.dictionaries(st.text(max_size=3), kids, max_size=3)), max_leaves=15))
def test_plain_values_round_trip(value):
    assert round_trip(value) == value
