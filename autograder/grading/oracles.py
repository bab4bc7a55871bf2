"""Expected values computed once: the `oracle` decorator and the store `autograder release` writes.

Hidden tests compare a student's answer with an oracle: torch autograd, a
long exact computation. Run in every grading run, that costs the grader a
torch import (~1.5 s, a quarter of the time it takes to grade a class of
200) even for assignments whose students may not use torch. So:

    @oracle
    def torch_grads(leaves, steps):
        ...                     # returns plain data: arrays, numbers, lists, tuples, dicts

`autograder release NAME` runs the tests against the reference and stores
every value an oracle gave in `oracles.json` beside the test file that
defines it, tagged with that file's SHA-256. A grading run reads the value
from there when the file is unchanged and the inputs are the same; anything
else (an edited test file, inputs that depend on a student's answers) is
computed and remembered for the rest of the run. Values are wire data,
never pickles. Tests import torch lazily (`lazy_import`) so that a run
served from the store never imports it.
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import json
import pickle
from pathlib import Path

import numpy as np

from autograder.isolation import wire

STORE = "oracles.json"
_MISSING = object()

_memo: dict[str, object] = {}  # key -> wire value, for this process's life
_stores: dict[Path, dict] = {}  # test file -> its valid stored values ({} when missing or stale)
_recording: dict[Path, dict] | None = None  # test file -> {key: value} while `record` runs
_forget: list = []  # each oracle's clear(): `record` starts from nothing
_defined: set[Path] = set()  # the test files that define an oracle (known once they are imported)


def _key(fn, args, kwargs) -> str:
    text = json.dumps([fn.__module__, fn.__qualname__, wire.to_wire(list(args)), wire.to_wire(kwargs)],
                      separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entry(path: Path) -> dict | None:
    """`path`'s entry in the store beside it, if it was recorded from the file's current text."""
    try:
        entry = json.loads((path.parent / STORE).read_text("utf-8")).get(path.name, {})
        return entry if entry.get("source_sha256") == file_digest(path) else None
    except (OSError, ValueError, AttributeError):
        return None  # no store, or not ours


def _stored(path: Path) -> dict:
    """The stored values of the oracles defined in `path` (read once per run): {} means compute them."""
    if path not in _stores:
        values = (_entry(path) or {}).get("values")
        _stores[path] = values if isinstance(values, dict) else {}
    return _stores[path]


def unstored(folder: Path) -> list[Path]:
    """The imported test files under `folder` whose oracles have no stored values for their current text."""
    folder = Path(folder).resolve()
    return sorted(p for p in _defined if folder in p.resolve().parents and p.is_file() and _entry(p) is None)


def oracle(fn):
    """Memoize `fn` (a function of plain data returning plain data) and serve it from the stored values."""
    path = Path(fn.__code__.co_filename)
    _defined.add(path)
    seen: dict[bytes, object] = {}  # this run's values by a quick key of the arguments

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        # pickle.dumps only makes a dict key of the test's own arguments here; nothing is ever unpickled.
        quick = pickle.dumps((args, sorted(kwargs.items())), protocol=5)
        if quick not in seen or _recording is not None:
            key = _key(fn, args, kwargs)
            value = _memo.get(key, _MISSING)
            if value is _MISSING:
                value = _MISSING if _recording is not None else _stored(path).get(key, _MISSING)
                if value is _MISSING:
                    value = wire.to_wire(fn(*args, **kwargs))
                _memo[key] = value
            if _recording is not None:
                _recording.setdefault(path, {})[key] = value
            seen[quick] = wire.from_wire(value)
        return _copy(seen[quick])  # a fresh copy: a test may change what it gets

    _forget.append(seen.clear)
    return wrapper


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if type(value) is list:
        return [_copy(v) for v in value]
    if type(value) is tuple:
        return tuple(_copy(v) for v in value)
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    return value  # numbers, strings, None: immutable (a tensor never comes out of wire data here)


def lazy_import(name: str):
    """A stand-in for module `name` that imports it on first attribute access (`torch = lazy_import("torch")`)."""
    return _Lazy(name)


class _Lazy:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        return getattr(importlib.import_module(self._name), attr)


def record(run) -> dict[Path, dict]:
    """Call `run()` with every oracle computed afresh; the values each test file's oracles gave, by key."""
    global _recording
    _memo.clear()
    _stores.clear()
    for forget in _forget:
        forget()
    _recording = {}
    try:
        run()
        return _recording
    finally:
        _recording = None
        _memo.clear()


# Stored values are compared with freshly computed ones within these bounds: the last bits of floating-point
# results differ between CPUs (NumPy picks other SIMD kernels), so a store written on one machine must
# still count as current on another. Any real change to an oracle moves values by far more.
STORE_RTOL, STORE_ATOL = 1e-9, 1e-12


def stores_agree(stored_text: str, fresh_text: str) -> bool:
    """Whether a committed `oracles.json` holds what the tests compute now: the same test files (by their
    SHA-256), the same keys, values of the same types and shapes that agree within `STORE_RTOL`/`STORE_ATOL`."""
    try:
        stored, fresh = json.loads(stored_text), json.loads(fresh_text)
    except ValueError:
        return False
    if not isinstance(stored, dict) or set(stored) != set(fresh):
        return False
    for name, entry in fresh.items():
        old = stored[name]
        if not isinstance(old, dict) or old.get("source_sha256") != entry["source_sha256"]:
            return False
        values, old_values = entry["values"], old.get("values")
        if not isinstance(old_values, dict) or set(old_values) != set(values):
            return False
        try:
            if not all(_agree(wire.from_wire(old_values[k]), wire.from_wire(v)) for k, v in values.items()):
                return False
        except wire.WireError:
            return False
    return True


def _agree(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype.kind != "f":
            return bool(np.array_equal(a, b))
        return bool(np.allclose(a, b, rtol=STORE_RTOL, atol=STORE_ATOL, equal_nan=True))
    if type(a) is float:
        return a == b or (a != a and b != b) or abs(a - b) <= STORE_ATOL + STORE_RTOL * abs(b)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(_agree(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return a.keys() == b.keys() and all(_agree(a[k], b[k]) for k in a)
    return a == b


def store_texts(recorded: dict[Path, dict]) -> dict[Path, str]:
    """The `oracles.json` of each folder, as text: one entry per test file, one line per value, sorted by key."""
    folders: dict[Path, dict] = {}
    for path, values in recorded.items():
        folders.setdefault(path.parent / STORE, {})[path.name] = (file_digest(path), values)
    texts = {}
    for store, entries in folders.items():
        files = []
        for name, (digest, values) in sorted(entries.items()):
            lines = ",\n".join(f"  {json.dumps(key)}: {json.dumps(value, separators=(',', ':'), allow_nan=True)}"
                               for key, value in sorted(values.items()))
            files.append(f' {json.dumps(name)}: {{"source_sha256": {json.dumps(digest)}, "values": {{\n{lines}}}}}')
        texts[store] = "{\n" + ",\n".join(files) + "\n}\n"
    return texts
