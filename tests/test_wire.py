"""The codec that carries data across the trust boundary: faithful for plain data, and nothing it
decodes can run code, exhaust the judge's memory or masquerade as a trusted type."""

import io
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
