"""What runs next to the student's code: load the submitted module, answer calls with data.

This module is imported by the warm process that student processes are
forked from, so it imports nothing of the grader, the tests or the
reference. A request and its reply are wire structures (see `wire`):

    {"op": "functions"}
    {"op": "call", "name": "forward", "args": [...], "kwargs": {...}, "inputs": false}
    {"op": "probe", "name": "reuse_twice", "args": [...], "kwargs": {...}}
    {"op": "plan", "calls": [request, ...]}   (one reply per call, in order: see `planning`)

The module is loaded, on the first request, as the load request given to
`Session` says: `{"files": [...], "probes": "<source>", "forbid": [...]}`, and
for a notebook `"cells_file"`: the name of a file beside the submission that
holds its code cells (a JSON list of strings). A submission's code reaches
its process only through its own folder, never through a request.
Every reply is `{"ok": value}` or `{"error": {"kind", "type", "message", "traceback"}}`.
"""
from __future__ import annotations

import ast
import importlib.abc
import importlib.util
import json
import socket
import sys
import traceback
import types
from pathlib import Path

from autograder.isolation import wire

MODULE_NAME = "submission"
CELLS_FILE = ".notebook_cells.json"
MAX_REQUEST_BYTES = 1 << 27


class _Blocker(importlib.abc.MetaPathFinder):
    """Refuses imports of the modules an assignment forbids (e.g. torch in the NumPy assignment)."""

    def __init__(self, forbidden):
        self.forbidden = tuple(forbidden)

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.forbidden:
            raise ImportError(f"`import {name}` is not allowed in this assignment: "
                              f"write it with NumPy only (forbidden: {', '.join(self.forbidden)})")
        return None


_PROBES: dict[str, types.CodeType] = {}


def probes_code(source: str) -> types.CodeType:
    """The public probes, compiled once (by the zygote, before it forks: every child inherits the code)."""
    if source not in _PROBES:
        _PROBES.clear()
        _PROBES[source] = compile(source, "probes.py", "exec", dont_inherit=True)
    return _PROBES[source]


def _names(code: types.CodeType, seen: set) -> set:
    seen.update(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _names(const, seen)
    return seen


def forbidden_import(where: str, code: types.CodeType, text, forbid) -> str:
    """A message naming the first import in `code` that `forbid` lists, or ''. Runs before any of it does.

    Every import and `__import__`/`import_module` call leaves its name in the code's names, so a file whose
    names mention none is clean; only the others are parsed (`text()` gives the source) to find the line.
    """
    names = _names(code, set()) if forbid else set()
    if not any(n.split(".")[0] in forbid or n in ("__import__", "import_module") for n in names):
        return ""
    for node in ast.walk(ast.parse(text())):
        modules = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                "__import__", "import_module") and node.args and isinstance(node.args[0], ast.Constant):
            modules = [str(node.args[0].value)]
        for module in modules:
            if module.split(".")[0] in forbid:
                return (f"{where}:{node.lineno} imports {module}, which this assignment forbids: "
                        f"compute the gradients yourself with NumPy")
    return ""


def _error(kind: str, exc: BaseException | None = None, message: str = "", own=frozenset()) -> dict:
    tb = where = ""
    if exc is not None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.endswith(("child.py", "wire.py"))]
        tb = "".join(traceback.format_list(frames[-6:]))
        message = message or str(exc)
        where = _where(exc, own)
    return {"error": {"kind": kind, "type": type(exc).__name__ if exc else "", "message": message[:2000],
                      "traceback": tb[-4000:], "where": where}}


def _where(exc: BaseException, own) -> str:
    """The innermost frame of the student's own code that the exception went through, as they know it:
    `Value.__mul__ (engine.py, line 98)`; '' when it came from elsewhere (a probe, a library) alone."""
    where = ""
    for frame, line in traceback.walk_tb(exc.__traceback__):
        code = frame.f_code
        if code.co_filename in own or code.co_filename.startswith("<notebook "):
            place = code.co_filename[1:-1] if code.co_filename.startswith("<") else Path(code.co_filename).name
            where = f"{code.co_qualname} ({place}, line {line})"
    return where


class Session:
    """The student's module and the public probes, loaded once, answering requests."""

    def __init__(self, workdir: Path, load_request: dict):
        self.workdir = Path(workdir)
        self.load_request = load_request
        self.load_reply: dict | None = None
        self.module: types.ModuleType | None = None
        self.probes: types.ModuleType | None = None
        self.own = frozenset(str(self.workdir / name) for name in load_request.get("files", ()))  # the student's files

    def handle(self, request: dict) -> dict:
        """One reply for one request; student exceptions become error replies, never escape."""
        if self.load_reply is None:
            self.load_reply = self._load(self.load_request)
        if "error" in self.load_reply:
            return self.load_reply
        op = request.get("op")
        try:
            if op == "functions":
                return self.load_reply
            if op in ("call", "probe"):
                return self._call(request)
        except Exception as exc:  # a student bug must not end the session
            return _error("raised", exc, own=self.own)
        return _error("protocol", message=f"unknown op {op!r}")

    def _load(self, request: dict) -> dict:
        try:
            return self._import(request)
        except BaseException as exc:  # SystemExit, KeyboardInterrupt at import are load errors too
            return _error("load", exc)

    def _import(self, request: dict) -> dict:
        forbid = request.get("forbid") or []
        if forbid and request.get("block", True):
            for name in [m for m in sys.modules if m.split(".")[0] in forbid]:
                del sys.modules[name]
            sys.meta_path.insert(0, _Blocker(forbid))
        main_file = request["files"][0]
        path = self.workdir / main_file
        sys.path.insert(0, str(self.workdir))
        notes = []
        cells = _cells(self.workdir, request.get("cells_file"))
        if cells is None:
            code = compile(path.read_text("utf-8"), str(path), "exec", dont_inherit=True)
            codes = [(main_file, code, lambda: path.read_text("utf-8"))]
        else:  # a notebook: each cell compiled alone, a cell that does not compile is noted and left out
            codes = []
            for name, cell in cells:
                try:
                    codes.append((f"notebook {name}", compile(cell, f"<notebook {name}>", "exec",
                                                              dont_inherit=True), lambda cell=cell: cell))
                except SyntaxError as exc:
                    notes.append(f"notebook {name} raised {type(exc).__name__}: {str(exc)[:300]}")
        others = [self.workdir / name for name in request["files"][1:] if (self.workdir / name).is_file()]
        for other in others:  # imported by the main file later: checked now, before anything runs
            codes.append((other.name, compile(other.read_text("utf-8"), str(other), "exec", dont_inherit=True),
                          lambda other=other: other.read_text("utf-8")))
        for where, code, text in codes:
            problem = forbidden_import(where, code, text, forbid)
            if problem:
                return _error("forbidden", message=problem)
        if cells is None:
            spec = importlib.util.spec_from_file_location(Path(main_file).stem, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            sys.modules[MODULE_NAME] = module
            exec(codes[0][1], module.__dict__)
        else:  # cells in order, one module; a failing cell stops nothing the tests do not need
            module = types.ModuleType(Path(main_file).stem)
            module.__file__ = str(path)
            sys.modules[module.__name__] = module
            sys.modules[MODULE_NAME] = module
            for where, code, _ in codes[:len(codes) - len(others)]:
                try:
                    exec(code, module.__dict__)
                except BaseException as exc:  # noqa: BLE001 (SystemExit in a cell is just a failed cell)
                    notes.append(f"{where} raised {type(exc).__name__}: {str(exc)[:300]}")
        self.module = module
        probes = types.ModuleType("probes")
        exec(probes_code(request.get("probes") or ""), probes.__dict__)
        self.probes = probes
        functions = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
        return {"ok": {"$dict": [["functions", functions], ["notes", notes]]}}

    def _call(self, request: dict) -> dict:
        if self.module is None:
            return _error("protocol", message="the submission is not loaded")
        name = request.get("name", "")
        source = self.module if request["op"] == "call" else self.probes
        fn = getattr(source, name, None) if isinstance(name, str) and not name.startswith("__") else None
        if not callable(fn):
            return _error("missing", message=name)
        args = wire.from_wire(request.get("args", []))
        kwargs = wire.from_wire(request.get("kwargs", {"$dict": []}))
        if request["op"] == "probe":
            args = [self.module, *args]
        try:
            value = fn(*args, **kwargs)
        except AttributeError as exc:  # a name a probe needs that the module (or one of its classes) lacks
            missing = self._missing(exc)
            return _error("missing", message=missing) if missing else _error("raised", exc, own=self.own)
        except BaseException as exc:  # SystemExit, KeyboardInterrupt in a call are the student's error
            return _error("raised", exc, own=self.own)
        try:
            if request.get("inputs") and request["op"] == "call":
                return {"ok": wire.to_wire((value, tuple(args), kwargs))}
            return {"ok": wire.to_wire(value)}
        except (wire.WireError, RecursionError) as exc:
            return _error("unencodable", exc)


    def _missing(self, exc: AttributeError) -> str:
        """`Value.grad`, `sigmoid`: the name the student's module, or an object of one of its classes, lacks."""
        obj, name = getattr(exc, "obj", None), getattr(exc, "name", None)
        if not isinstance(name, str) or obj is None:
            return ""
        if obj is self.module:
            return name
        owner = type(obj)
        return f"{owner.__qualname__}.{name}" if owner.__module__ == self.module.__name__ else ""


def _cells(workdir: Path, name) -> list[tuple[str, str]] | None:
    """A notebook's code cells as (name, source), from the file beside it; None for a .py submission."""
    if not name:
        return None
    cells = json.loads((workdir / str(name)).read_text("utf-8"))
    if type(cells) is not list or not all(type(c) is list and len(c) == 2 and all(type(s) is str for s in c)
                                          for c in cells):
        raise ValueError("the notebook's cells are not a list of [name, source] pairs")
    return [(cell_name, source) for cell_name, source in cells]


def serve(fd: int, workdir: str, load_request: dict) -> None:
    """Answer requests on the channel `fd` until the grader closes it."""
    session = Session(Path(workdir), load_request)
    sock = socket.socket(fileno=fd)
    sock.setblocking(True)
    reader = wire.FrameReader(sock, MAX_REQUEST_BYTES)
    while True:
        request = wire.recv_message(reader)
        if request is None:
            return
        if type(request) is dict and request.get("op") == "plan" and type(request.get("calls")) is list:
            for call in request["calls"]:  # the tests' calls, sent ahead (see planning): answer each in turn
                sock.sendall(wire.dumps(session.handle(call if type(call) is dict else {})))
            continue
        sock.sendall(wire.dumps(session.handle(request)))
