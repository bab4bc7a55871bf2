import base64
import pickle

import numpy as np
import pytest
import torch

from autograder.isolation import wire
from autograder.isolation.wire import WireError, from_wire, to_wire


def roundtrip(value):
    return from_wire(wire.loads(wire.dumps(to_wire(value))[4:]))


def test_plain_data_survives_the_trip():
    value = {"a": [1, 2.5, None, True, "s"], 3: (1, (2, 3)), "nan": float("inf")}
    assert roundtrip(value) == value
    assert type(roundtrip((1, 2))) is tuple


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "bool", "uint8"])
def test_arrays_keep_dtype_shape_and_values(dtype):
    array = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    back = roundtrip(array)
    assert back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


def test_tensors_come_back_as_tensors_with_requires_grad():
    t = torch.tensor([[1.0, 2.0]], dtype=torch.float64, requires_grad=True) * 3
    back = roundtrip(t)
    assert isinstance(back, torch.Tensor) and back.dtype == torch.float64 and back.requires_grad
    torch.testing.assert_close(back.detach(), t.detach())


def test_numpy_scalars_become_python_numbers():
    assert roundtrip(np.float32(1.5)) == 1.5 and type(roundtrip(np.int16(3))) is int


class AlwaysEqual:
    def __eq__(self, other):
        return True


class SneakyFloat(float):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value", [AlwaysEqual(), SneakyFloat(1.0), [AlwaysEqual()], {"k": {1, 2}},
                                   np.array([AlwaysEqual()], dtype=object), {(1, 2): 3}])
def test_objects_that_are_not_plain_data_are_refused(value):
    with pytest.raises(WireError):
        to_wire(value)


def array_message(dtype="float64", shape=(2,), data=b"\0" * 16):
    return {"$array": {"dtype": dtype, "shape": list(shape), "data": base64.b64encode(data).decode()}}


@pytest.mark.parametrize("message", [
    array_message(dtype="object"),
    array_message(shape=(3,)),
    array_message(shape=(-2,)),
    {"$array": {"dtype": "float64", "shape": [1], "data": "not base64!"}},
    {"$pickle": base64.b64encode(pickle.dumps([1])).decode()},
    {"a": 1},
    {"$tuple": [1], "$dict": []},
    {"$dict": [[[1], 2]]},
])
def test_malformed_or_foreign_messages_are_refused(message):
    with pytest.raises(WireError):
        from_wire(message)


def test_deep_nesting_is_refused_both_ways():
    deep = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(WireError):
        to_wire(deep)
    with pytest.raises(WireError):
        from_wire(deep)


def test_non_json_bytes_are_refused():
    with pytest.raises(WireError):
        wire.loads(b"\x80\x04\x95 pickle bytes")


def test_requests_are_encoded_once_and_never_confused():
    """The fixture caches each call's frame by the arguments' exact value: equal values share one, any
    difference (a changed list, -0.0, a dtype, a tuple for a list) gets its own, and non-data still fails."""
    from autograder.grading.protocol import encode_request

    x = [1.0, 2.0]
    first = encode_request("call", "f", (x,), {})
    assert encode_request("call", "f", ([1.0, 2.0],), {}) is first
    x.append(3.0)  # the same list, changed since: a new message
    assert wire.loads(encode_request("call", "f", (x,), {})[1][4:])["args"] == [[1.0, 2.0, 3.0]]
    variants = [((0.0,), {}), ((-0.0,), {}), ((np.zeros(2),), {}), ((np.zeros(2, dtype=np.float32),), {}),
                (((1.0, 2.0),), {}), (([1.0, 2.0],), {"scale": 2}), (([1.0, 2.0],), {})]
    frames = [encode_request("call", "f", args, kwargs)[1] for args, kwargs in variants]
    assert len(set(frames)) == len(frames)
    assert encode_request("probe", "f", ([1.0, 2.0],), {})[1] != frames[-1]
    assert encode_request("call", "f", ([1.0, 2.0],), {}, inputs=True)[1] != frames[-1]
    with pytest.raises(wire.WireError):
        encode_request("call", "f", (lambda: 0,), {})
