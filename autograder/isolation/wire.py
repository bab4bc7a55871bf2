"""The only format that crosses between the grader and a student's process: data.

Values are turned into JSON-able structures: None, bool, int, float, str and
lists as they are; tuples, dicts, NumPy arrays and torch tensors as tagged
objects (`{"$tuple": [...]}`, `{"$dict": [[key, value], ...]}`,
`{"$array": {...}}`, `{"$tensor": {...}}`), arrays as raw little-endian
bytes in base64. Decoding checks every tag, dtype, shape and size, and
never unpickles anything: what comes back from a submission is parsed, not
trusted.

This module is imported by the warm process that student code is forked
from, so it imports nothing of the grader.
"""
from __future__ import annotations

import base64
import json
import math
import socket
import struct
import time

import numpy as np

DTYPES = {
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64",
}
MAX_DEPTH = 64
HEADER = struct.Struct(">I")


class WireError(ValueError):
    """A value could not be encoded, or a message is not valid wire data."""


def _torch():
    import sys

    return sys.modules.get("torch")


_PLAIN = frozenset({type(None), bool, str, int, float})


def to_wire(value, depth: int = 0):
    """A JSON-able structure for `value`; `WireError` for anything that is not plain data."""
    if depth > MAX_DEPTH:
        raise WireError("value is nested too deeply")
    kind = type(value)  # exact types first, in order of frequency: this runs for every argument of every call
    if kind in _PLAIN:
        return value
    if kind is list:
        return [to_wire(v, depth + 1) for v in value]
    if kind is tuple:
        return {"$tuple": [to_wire(v, depth + 1) for v in value]}
    if kind is dict:
        if not all(type(k) in (str, int) for k in value):
            raise WireError("dict keys must be str or int")
        return {"$dict": [[k, to_wire(v, depth + 1)] for k, v in value.items()]}
    if kind is np.ndarray:
        return {"$array": _array_to_wire(value)}
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    torch = _torch()
    if torch is not None and isinstance(value, torch.Tensor) and type(value) in (torch.Tensor, torch.nn.Parameter):
        array = value.detach().cpu().resolve_conj().resolve_neg().numpy()
        meta = _array_to_wire(array)
        meta["requires_grad"] = bool(value.requires_grad)
        return {"$tensor": meta}
    raise WireError(f"a {type(value).__module__}.{type(value).__qualname__} is not plain data")


def _array_to_wire(array: np.ndarray) -> dict:
    if array.dtype.name not in DTYPES:
        raise WireError(f"arrays of dtype {array.dtype} cannot be sent")
    data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
    return {"dtype": array.dtype.name, "shape": list(array.shape), "data": base64.b64encode(data).decode()}


def from_wire(data, depth: int = 0):
    """The value a structure from `to_wire` stands for; `WireError` when it is malformed."""
    if depth > MAX_DEPTH:
        raise WireError("message is nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [from_wire(v, depth + 1) for v in data]
    if type(data) is not dict or len(data) != 1:
        raise WireError("untagged object in message")
    ((tag, body),) = data.items()
    if tag == "$tuple" and type(body) is list:
        return tuple(from_wire(v, depth + 1) for v in body)
    if tag == "$dict" and type(body) is list:
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in (str, int):
                raise WireError("malformed dict entry")
            out[pair[0]] = from_wire(pair[1], depth + 1)
        return out
    if tag == "$array" and type(body) is dict:
        return _array_from_wire(body)
    if tag == "$tensor" and type(body) is dict:
        import torch

        tensor = torch.from_numpy(_array_from_wire(body).copy())
        return tensor.requires_grad_(True) if body.get("requires_grad") is True and tensor.is_floating_point() else tensor
    raise WireError(f"unknown tag {tag!r}")


def _array_from_wire(body: dict) -> np.ndarray:
    dtype, shape, data = body.get("dtype"), body.get("shape"), body.get("data")
    if dtype not in DTYPES:
        raise WireError(f"dtype {dtype!r} not allowed")
    if type(shape) is not list or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("malformed shape")
    if type(data) is not str:
        raise WireError("malformed array data")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise WireError("array data is not base64") from None
    dt = np.dtype(dtype).newbyteorder("<")
    if len(raw) != math.prod(shape) * dt.itemsize:
        raise WireError("array data does not match its shape")
    try:
        return np.frombuffer(raw, dtype=dt).reshape(shape).astype(np.dtype(dtype), copy=True)
    except ValueError as exc:  # e.g. a zero-size array whose other axis is 2**62: "array is too big"
        raise WireError(f"malformed array ({exc})") from None


def dumps(message) -> bytes:
    """A message (already wire-encoded) as one length-prefixed frame."""
    body = json.dumps(message, allow_nan=True, separators=(",", ":")).encode()
    return HEADER.pack(len(body)) + body


def loads(body: bytes):
    """Parse one frame's body; `WireError` for anything that is not JSON."""
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, or a 5000-digit integer
        raise WireError(f"message is not JSON ({type(exc).__name__})") from None


# -- frames on a socket: the one reader and writer every process of the sandbox uses ----------------------------------
class FrameTooBig(WireError):
    """A frame's header announces more bytes than the reader accepts."""


class FrameReader:
    """Length-prefixed frames from a socket, read in large chunks (answers sent ahead arrive back to back).

    `read(end)` waits until the monotonic time `end` (`socket.timeout` after it; None: no limit) and raises
    `EOFError` when the peer closed the socket; file descriptors sent with a frame are kept in `fds`.
    """

    def __init__(self, sock: socket.socket, max_size: int = 1 << 30, max_fds: int = 0):
        self.sock, self.max_size, self.max_fds = sock, max_size, max_fds
        self.buffer = bytearray()
        self.fds: list[int] = []

    def read(self, end: float | None = None) -> bytes:
        size = None
        while True:
            if size is None and len(self.buffer) >= HEADER.size:
                (size,) = HEADER.unpack_from(self.buffer)
                if size > self.max_size:
                    raise FrameTooBig(f"a frame of {size} bytes is over the limit of {self.max_size}")
            if size is not None and len(self.buffer) >= HEADER.size + size:
                body = bytes(self.buffer[HEADER.size:HEADER.size + size])
                del self.buffer[:HEADER.size + size]
                return body
            if end is not None:
                left = end - time.monotonic()
                if left <= 0:
                    raise socket.timeout("timed out")
                self.sock.settimeout(left)
            want = 1 << 16 if size is None else max(1 << 16, HEADER.size + size - len(self.buffer))
            self._receive(min(want, 1 << 22))

    def _receive(self, want: int) -> None:
        if self.max_fds:
            chunk, fds, _, _ = socket.recv_fds(self.sock, want, self.max_fds)
            self.fds += fds
        else:
            chunk = self.sock.recv(want)
        if not chunk:
            raise EOFError
        self.buffer += chunk

    def take_fds(self) -> list[int]:
        fds, self.fds = self.fds, []
        return fds


def send_message(sock: socket.socket, message, fds: tuple[int, ...] | list[int] = ()) -> None:
    """One message as a frame; file descriptors, if any, ride on its first bytes."""
    frame = dumps(message)
    if fds:
        sent = socket.send_fds(sock, [frame[:HEADER.size]], list(fds))
        frame = frame[sent:]
    sock.sendall(frame)


def recv_message(reader: FrameReader, end: float | None = None):
    """The next message from `reader` (parsed), or None when the peer has closed the socket."""
    try:
        return loads(reader.read(end))
    except EOFError:
        return None
