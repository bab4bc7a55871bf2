"""The `submission` fixture: how a test reaches the student's code, wherever it runs.

A test on the grader's side calls `submission.forward(x, W)` (or
`submission.call("forward", x, W)`); the arguments are encoded as data, the
student's process runs the function, and the test gets back plain data:
arrays, tensors, numbers, lists, dicts. Objects (the autodiff engine's
`Value`) are exercised by public probe functions (`submission.probe(...)`)
that run beside the student's code and return data.

A `Channel` carries requests: `InProcessChannel` (no isolation; for the
benchmark's floor and for authors) or the sandbox's channel.
"""
from __future__ import annotations

import contextlib
import pickle
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Protocol

from autograder.core.errors import (
    BadReturn,
    CallTimeout,
    ForbiddenImport,
    LoadFailed,
    MissingFunction,
    StudentException,
    SubmissionCrashed,
    SubmissionError,
    SubmissionTimeout,
    TimeUsedUp,
)
from autograder.isolation import wire
from autograder.isolation.child import Session


class Channel(Protocol):
    """An open channel to one submission's process. `deadline` (monotonic) ends the whole submission, or None;
    once the channel is closed, `output` holds what the submission's code printed."""

    deadline: float | None
    output: str

    def request(self, message: dict, frame: bytes | None = None) -> dict: ...  # frame: wire.dumps(message)


class ChannelWrapper:
    """A channel around another (to record or change what goes through it): the same deadline and output."""

    def __init__(self, inner: Channel):
        self.inner = inner

    @property
    def deadline(self) -> float | None:
        return self.inner.deadline

    @property
    def output(self) -> str:
        return self.inner.output

    def request(self, message: dict, frame: bytes | None = None) -> dict:
        return self.inner.request(message, frame)


class Submission:
    """The student's module as the tests see it: remote functions that return data."""

    def __init__(self, channel: Channel, files: tuple[str, ...]):
        self._channel = channel
        self.files = files
        self.timeouts: list[str] = []  # what ran past a time limit, once each (see `_send`)
        self._hung: dict[str, str] = {}  # a function that did not finish -> why: not called again

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    def functions(self) -> dict:
        """`{"functions": [...], "notes": [...]}` once loaded (notes: notebook cells that failed); or `LoadFailed`."""
        loaded = self._send({"op": "functions"}, "import")
        if not isinstance(loaded, dict) or not isinstance(loaded.get("functions"), list):
            raise SubmissionCrashed("the submission's process sent a malformed reply")
        return loaded

    def call(self, name: str, *args, **kwargs):
        """Run the student's `name(*args, **kwargs)`; its return value, as data."""
        return self._send(encode_request("call", name, args, kwargs), name)

    def call_with_inputs(self, name: str, *args, **kwargs):
        """Like `call`, and also the arguments as the function left them: `(value, args, kwargs)`."""
        return self._send(encode_request("call", name, args, kwargs, inputs=True), name)

    def probe(self, name: str, *args, **kwargs):
        """Run the public probe `name(module, *args, **kwargs)` beside the student's code."""
        return self._send(encode_request("probe", name, args, kwargs), name)

    def _send(self, request: tuple[dict, bytes] | dict, name: str):
        """The reply's value. A function of the student's that ran past the call time limit is not called again:
        its later calls fail at once, and the other tests keep the submission's time (its process is started
        again on the next request)."""
        message, frame = request if isinstance(request, tuple) else (request, wire.dumps(request))
        calls = message.get("op") == "call"
        if calls and name in self._hung:
            raise CallTimeout(f"`{name}` was not called again: {self._hung[name]}")
        try:
            reply = self._channel.request(message, frame)
        except SubmissionTimeout as exc:
            if calls and isinstance(exc, CallTimeout):
                self._hung[name] = f"an earlier call of it {exc.args[0].removeprefix(f'`{name}` ')}"
            if not isinstance(exc, TimeUsedUp) and exc.args[0] not in self.timeouts:
                self.timeouts.append(exc.args[0])
            raise
        return decode_reply(reply, name, self.files[0], probe=not calls)


_ENCODED: dict[bytes, tuple[dict, bytes]] = {}  # the tests ask every submission the same: encoded once a run
_ENCODED_MAX, _FRAME_MAX = 4096, 1 << 18


def encode_request(op: str, name: str, args: tuple, kwargs: dict, inputs: bool = False) -> tuple[dict, bytes]:
    """A call's message and its frame, from a cache keyed by the arguments' exact value (pickled only to
    make the key: nothing is ever unpickled)."""
    try:
        key = pickle.dumps((op, name, inputs, args, kwargs), protocol=5)
    except Exception:  # noqa: BLE001 (not picklable: encode it every time; to_wire says if it is not data)
        key = None
    if key is not None and key in _ENCODED:
        return _ENCODED[key]
    message = {"op": op, "name": name, "args": wire.to_wire(list(args)), "kwargs": wire.to_wire(kwargs)}
    if inputs:
        message["inputs"] = True
    encoded = (message, wire.dumps(message))
    if key is not None and len(encoded[1]) <= _FRAME_MAX and len(_ENCODED) < _ENCODED_MAX:
        _ENCODED[key] = encoded
    return encoded


def decode_reply(reply, name: str, filename: str, probe: bool = False):
    """The value of an `{"ok": ...}` reply; the matching `SubmissionError` otherwise, in the student's terms: their
    function, or for a `probe` (the tests' code that drives the student's objects) the method that failed."""
    if type(reply) is not dict or len(reply) != 1:
        raise SubmissionCrashed("the submission's process sent a malformed reply")
    if "ok" in reply:
        try:
            return wire.from_wire(reply["ok"])
        except wire.WireError as exc:
            raise SubmissionCrashed(f"the submission's process sent malformed data ({exc})") from None
    error = reply.get("error")
    if type(error) is not dict:
        raise SubmissionCrashed("the submission's process sent a malformed reply")
    kind = str(error.get("kind", ""))
    etype, message = str(error.get("type", ""))[:200], str(error.get("message", ""))[:2000]
    tb, where = str(error.get("traceback", ""))[:4000], str(error.get("where", ""))[:300]
    what = "your code (as this test uses it)" if probe else f"`{name}`"
    if kind == "missing":
        raise MissingFunction(f"`{message[:200] if probe else name}` is not defined in {filename}")
    if kind == "unencodable":
        raise BadReturn(f"{what} returned something that is not plain data: {message}")
    if kind == "forbidden":
        raise ForbiddenImport(message)
    if kind == "load":
        raise LoadFailed(f"{filename} could not be imported: {etype}: {message}", tb)
    if kind == "raised":
        raise StudentException(f"{_raiser(what, name, where, probe)} raised {etype}: {message}", tb)
    raise SubmissionError(f"protocol error: {message}")


def _raiser(what: str, name: str, where: str, probe: bool) -> str:
    """Who raised: `sigmoid` (backprop.py, line 30); `backward`, in `sigmoid_backward` (...); your `Value.__mul__`."""
    if not where:
        return what
    function = where.split(" (", 1)[0]
    if probe:
        return f"your `{function}` {where[len(function) + 1:]}"
    return f"`{name}` {where[len(function) + 1:]}" if function == name else f"`{name}`, in `{function}` " \
        f"{where[len(function) + 1:]},"


class InProcessChannel:
    """Runs the student's module in this process. No isolation: for the benchmark floor and authors only."""

    deadline = None
    output = ""

    def __init__(self, workdir: Path, load_request: dict):
        # Blocking imports here would break the grader itself: only the static check runs.
        self._session = Session(workdir, {**load_request, "block": False})

    def request(self, message: dict, frame: bytes | None = None) -> dict:
        # Round-trip through JSON so the tests see exactly what the sandbox would give them.
        frame = frame or wire.dumps(message)
        return wire.loads(wire.dumps(self._session.handle(wire.loads(frame[wire.HEADER.size:])))[wire.HEADER.size:])

    def close(self) -> None:
        pass


class InProcess:
    """Opens channels in this very process (no isolation), the same shape as the sandbox: for the reference's
    runs, mutation testing, the benchmark's floor and an author's quick loop; never for students' code.
    `wrap` may wrap each channel (to record what goes through it)."""

    isolation = "in-process"

    def __init__(self, wrap: Callable = lambda channel: channel):
        self.wrap = wrap

    @contextlib.contextmanager
    def channel(self, files: dict[str, str], load: dict, slot: int = 0, plan=None) -> Iterator:
        with tempfile.TemporaryDirectory(prefix="ag-inproc-") as tmp:
            for name, text in files.items():
                Path(tmp, name).write_text(text, "utf-8")
            yield self.wrap(InProcessChannel(Path(tmp), load))

    def recover(self, slot: int) -> None:
        pass

    def alone(self):
        return contextlib.nullcontext()
