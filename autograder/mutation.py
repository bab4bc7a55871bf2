"""Mutation testing of an assignment's tests: would they catch a slightly wrong solution?

Each mutant is the reference with one small change inside a solution region
(an operator swapped, a sign, a constant, a transpose, a dropped term, ...).
All tests, public and hidden, are run against every mutant in a forked child
process with a time limit. A mutant is *killed* when some test fails (or it
times out, or its process dies). A mutant that passes every test is replayed:
the calls the tests made to the reference, recorded once, are sent to the
mutant and the replies compared. If a reply differs, the tests saw a wrong
answer and accepted it: a real *survivor*. If none differs, the mutant is
*equivalent on the tested inputs*. The kill rate is killed / (killed + survived).

    python -m autograder.mutation hw2 [--max N] [--timeout S] [--jobs J] [--json]
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import json
import os
import random
import selectors
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from . import wire
from .api import grade_in_process, load_request
from .child import MODULE_NAME
from .collect import TestSpec, collect
from .course import Assignment, get_assignment
from .errors import AutograderError
from .exitcodes import ExitCode
from .protocol import InProcessChannel, Submission
from .runner import FAILED, PARTIAL, SubmissionResult, run_tests
from .stubs import BEGIN, END, make_stub
from .submissions import Prepared

KILLED, TIMEOUT, CRASHED, SURVIVED, EQUIVALENT = "killed", "timeout", "crashed", "survived", "equivalent"
KILLED_STATUSES = (KILLED, TIMEOUT, CRASHED)
RTOL, ATOL = 1e-9, 1e-12  # replies closer than this are "the same" for equivalence
MEMORY_HEADROOM = 4 << 30  # a child may grow by this much address space before MemoryError

# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Mutant:
    """One small change to one reference file, and the file's text with it applied."""

    index: int  # position in the full, deterministic list of the assignment's mutants
    file: str
    line: int
    col: int
    function: str
    operator: str
    description: str
    source: str = field(repr=False, compare=False)

    def to_dict(self) -> dict:
        return {"index": self.index, "file": self.file, "line": self.line, "col": self.col,
                "function": self.function, "operator": self.operator, "description": self.description}


@dataclass(frozen=True)
class MutantResult:
    """What the tests made of one mutant; `difference` says how a survivor's replies changed."""

    mutant: Mutant
    status: str
    failed_tests: tuple[str, ...]
    duration_s: float  # wall time, fork to verdict
    cpu_s: float  # CPU time of the mutant's process
    difference: str = ""  # a survivor: the first changed reply; a crash: why the process ended

    @property
    def killed(self) -> bool:
        return self.status in KILLED_STATUSES

    def to_dict(self) -> dict:
        return {**self.mutant.to_dict(), "status": self.status, "failed_tests": list(self.failed_tests),
                "duration_s": self.duration_s, "cpu_s": self.cpu_s, "difference": self.difference}


@dataclass(frozen=True)
class MutationReport:
    """Every mutant's fate, with counts, the kill rate and timings."""

    assignment: str
    files: tuple[str, ...]
    generated: int  # mutants before --max
    results: tuple[MutantResult, ...]
    recorded_calls: int
    unstable_calls: int  # calls whose reply changes between two runs of the reference: not compared
    timeout_s: float
    jobs: int
    baseline_s: float  # grading the reference while recording its calls, then replaying them
    baseline_cpu_s: float
    mutants_s: float  # wall time of the mutants' runs
    duration_s: float  # everything, collection and generation included

    def _count(self, *statuses: str) -> int:
        return sum(r.status in statuses for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def killed(self) -> int:
        return self._count(*KILLED_STATUSES)

    @property
    def timeouts(self) -> int:
        return self._count(TIMEOUT)

    @property
    def survived(self) -> int:
        return self._count(SURVIVED)

    @property
    def equivalent(self) -> int:
        return self._count(EQUIVALENT)

    @property
    def kill_rate(self) -> float | None:
        """killed / (killed + survived); None when there is nothing to kill."""
        judged = self.killed + self.survived
        return self.killed / judged if judged else None

    @property
    def survivors(self) -> tuple[MutantResult, ...]:
        return tuple(r for r in self.results if r.status == SURVIVED)

    def timing(self) -> dict:
        """Seconds per mutant (wall from fork to verdict, and the child's CPU); timeouts are left out."""
        finished = [r for r in self.results if r.status != TIMEOUT]
        wall = [r.duration_s for r in finished]
        return {"mean_s": round(statistics.fmean(wall), 4) if wall else None,
                "median_s": round(statistics.median(wall), 4) if wall else None,
                "max_s": round(max(wall), 4) if wall else None,
                "mean_cpu_s": round(statistics.fmean(r.cpu_s for r in finished), 4) if finished else None,
                "wall_per_mutant_s": round(self.mutants_s / self.total, 4) if self.total else None}

    def to_dict(self) -> dict:
        return {"assignment": self.assignment, "files": list(self.files), "generated": self.generated,
                "total": self.total, "killed": self.killed, "timeouts": self.timeouts,
                "survived": self.survived, "equivalent": self.equivalent, "kill_rate": self.kill_rate,
                "recorded_calls": self.recorded_calls, "unstable_calls": self.unstable_calls,
                "timeout_s": self.timeout_s, "jobs": self.jobs, "baseline_s": self.baseline_s,
                "baseline_cpu_s": self.baseline_cpu_s,
                "mutants_s": self.mutants_s, "duration_s": self.duration_s, "timing": self.timing(),
                "mutants": [r.to_dict() for r in self.results]}


# ---------------------------------------------------------------- making mutants

ARITH_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult}
AUG_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
COMPARE_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
           ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
DOT_FUNCTIONS = {"dot", "matmul", "mm"}
ARRAY_MODULES = {"np", "numpy", "torch"}
ZERO_MAKERS = {"zeros", "zeros_like"}


@dataclass(frozen=True)
class _Site:
    """A node inside a solution region, and where it hangs in the tree (to swap it in place)."""

    node: ast.AST
    parent: ast.AST
    field: str
    index: int | None
    function: str


def solution_regions(source: str) -> list[tuple[int, int]]:
    """(first, last) line numbers of the code between each BEGIN and END SOLUTION marker."""
    regions, start = [], None
    for number, line in enumerate(source.splitlines(), start=1):
        if BEGIN.match(line):
            start = number
        elif END.match(line) and start is not None:
            regions.append((start + 1, number - 1))
            start = None
    return regions


def _walk(node, parent=None, fieldname="", index=None, scope=()) -> Iterator[tuple]:
    """Every node in a fixed pre-order, with its parent, field, list index and enclosing function."""
    yield node, parent, fieldname, index, scope
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        scope = (*scope, node.name)
    for name, value in ast.iter_fields(node):
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield from _walk(item, node, name, i, scope)
        elif isinstance(value, ast.AST):
            yield from _walk(value, node, name, None, scope)


def _sites(tree: ast.AST, regions: list[tuple[int, int]]) -> list[_Site]:
    sites = []
    for node, parent, name, index, scope in _walk(tree):
        line, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if parent is not None and line is not None and any(a <= line and end <= b for a, b in regions):
            sites.append(_Site(node, parent, name, index, ".".join(scope) or "<module>"))
    return sites


def _short(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _changed(node: ast.AST, **changes) -> ast.AST:
    new = copy.deepcopy(node)
    for name, value in changes.items():
        setattr(new, name, value)
    return new


def _transposed(node: ast.AST) -> ast.AST:
    return ast.Attribute(value=copy.deepcopy(node), attr="T", ctx=ast.Load())


def _transposable(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) or (isinstance(node, ast.Attribute) and node.attr != "T")


def _negatable(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp):
        return not isinstance(node.op, ast.USub)
    if isinstance(node, ast.Call):  # -zeros(...) is zeros (-0.0 == 0.0): never worth a mutant
        return getattr(node.func, "attr", getattr(node.func, "id", "")) not in ZERO_MAKERS
    return isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.BinOp))


def _constant_variants(value) -> list:
    """c+1, 0 (when c is not 0) and 2c, of c's own type, without repeats."""
    candidates = [value + 1, 0, value * 2]
    out = []
    for v in candidates:
        v = type(value)(v)
        if v != value and v not in out:
            out.append(v)
    return out


def _dot_operands(call: ast.Call) -> list[tuple[str, int | None]]:
    """Where the two matrices of `np.dot(a, b)` / `a.dot(b)` sit in the call: ('args', i) or ('func', None)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in DOT_FUNCTIONS:
        return []
    if isinstance(func.value, ast.Name) and func.value.id in ARRAY_MODULES:
        return [("args", 0), ("args", 1)] if len(call.args) == 2 else []
    return [("func", None), ("args", 0)] if len(call.args) == 1 else []


def _binop_mutations(node: ast.BinOp) -> Iterator[tuple[str, ast.AST, str]]:
    op = type(node.op)
    if op in ARITH_SWAP:
        new_op = ARITH_SWAP[op]
        yield ("arith-swap", _changed(node, op=new_op()),
               f"`{SYMBOLS[op]}` -> `{SYMBOLS[new_op]}` in `{_short(node)}`")
    if op in (ast.Add, ast.Sub):
        for kept in (node.left, node.right):
            yield "drop-term", copy.deepcopy(kept), f"`{_short(node)}` -> `{_short(kept)}`"
    if op is ast.MatMult:
        for side in ("left", "right"):
            operand = getattr(node, side)
            if _transposable(operand):
                yield ("transpose-add", _changed(node, **{side: _transposed(operand)}),
                       f"`{_short(operand)}` -> `{_short(operand)}.T` in `{_short(node)}`")


def _call_mutations(node: ast.Call) -> Iterator[tuple[str, ast.AST, str]]:
    for where, i in _dot_operands(node):
        operand = node.func.value if where == "func" else node.args[i]
        if _transposable(operand):
            new = copy.deepcopy(node)
            if where == "func":
                new.func.value = _transposed(operand)
            else:
                new.args[i] = _transposed(operand)
            yield "transpose-add", new, f"`{_short(operand)}` -> `{_short(operand)}.T` in `{_short(node)}`"
    args = node.args
    if (len(args) == 2 and all(isinstance(a, ast.Name) for a in args) and args[0].id != args[1].id):
        new = _changed(node, args=[copy.deepcopy(args[1]), copy.deepcopy(args[0])])
        yield "swap-args", new, f"`{_short(node)}` -> `{_short(new)}`"


def _compare_mutations(node: ast.Compare) -> Iterator[tuple[str, ast.AST, str]]:
    for i, op in enumerate(node.ops):
        if type(op) in COMPARE_SWAP:
            new_op = COMPARE_SWAP[type(op)]
            new = _changed(node, ops=[*node.ops[:i], new_op(), *node.ops[i + 1:]])
            yield "compare-swap", new, f"`{SYMBOLS[type(op)]}` -> `{SYMBOLS[new_op]}` in `{_short(node)}`"


def _augassign_mutations(node: ast.AugAssign) -> Iterator[tuple[str, ast.AST, str]]:
    op = type(node.op)
    target = _short(node.target)
    yield ("augassign-to-assign", ast.Assign(targets=[copy.deepcopy(node.target)], value=copy.deepcopy(node.value),
                                             lineno=node.lineno), f"`{target} {SYMBOLS.get(op, '?')}= ...` -> `{target} = ...`")
    if op in AUG_SWAP:
        new_op = AUG_SWAP[op]
        yield ("augassign-swap", _changed(node, op=new_op()),
               f"`{target} {SYMBOLS[op]}= ...` -> `{target} {SYMBOLS[new_op]}= ...`")


def _value_slots(value: ast.AST) -> list[tuple[str, int | None]]:
    """The parts of an assigned or returned value that a sign flip may hit: the value, or each element."""
    if isinstance(value, (ast.Tuple, ast.List)):
        return [("elts", i) for i, e in enumerate(value.elts) if _negatable(e)]
    if isinstance(value, ast.Dict):
        return [("values", i) for i, v in enumerate(value.values) if _negatable(v)]
    return [("", None)] if _negatable(value) else []


def _result_mutations(node: ast.Return | ast.Assign) -> Iterator[tuple[str, ast.AST, str]]:
    value = node.value
    if value is None:
        return
    for slot, i in _value_slots(value):
        new = copy.deepcopy(node)
        part = value if i is None else getattr(value, slot)[i]
        negated = ast.UnaryOp(op=ast.USub(), operand=copy.deepcopy(part))
        if i is None:
            new.value = negated
        else:
            getattr(new.value, slot)[i] = negated
        yield "unary-minus-insert", new, f"`{_short(part)}` -> `{_short(negated)}`"
    if isinstance(node, ast.Return) and isinstance(value, ast.Tuple) and len(value.elts) >= 2:
        for i, elt in enumerate(value.elts):
            new = _changed(node, value=_changed(value, elts=[copy.deepcopy(e) for j, e in enumerate(value.elts) if j != i]))
            yield "drop-element", new, f"`{_short(elt)}` dropped from the returned tuple"
    if isinstance(node, ast.Return) and isinstance(value, ast.Dict) and len(value.keys) >= 2:
        for i, key in enumerate(value.keys):
            if key is None:
                continue
            keep = [j for j in range(len(value.keys)) if j != i]
            new = _changed(node, value=ast.Dict(keys=[copy.deepcopy(value.keys[j]) for j in keep],
                                                 values=[copy.deepcopy(value.values[j]) for j in keep]))
            yield "drop-element", new, f"entry `{_short(key)}` dropped from the returned dict"


def _mutations(node: ast.AST) -> Iterator[tuple[str, ast.AST, str]]:
    """(operator, replacement node, description) for every mutation of this one node."""
    if isinstance(node, ast.BinOp):
        yield from _binop_mutations(node)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield "unary-minus-remove", copy.deepcopy(node.operand), f"`{_short(node)}` -> `{_short(node.operand)}`"
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        for v in _constant_variants(node.value):
            yield "constant", ast.Constant(value=v), f"`{node.value!r}` -> `{v!r}`"
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        yield "transpose-remove", copy.deepcopy(node.value), f"`{_short(node)}` -> `{_short(node.value)}`"
    elif isinstance(node, ast.Call):
        yield from _call_mutations(node)
    elif isinstance(node, ast.Compare):
        yield from _compare_mutations(node)
    elif isinstance(node, ast.AugAssign):
        yield from _augassign_mutations(node)
    elif isinstance(node, (ast.Return, ast.Assign)):
        yield from _result_mutations(node)


def _unparse_with(tree: ast.AST, site: _Site, new: ast.AST) -> str:
    """The module's text with `new` in place of the site's node (the tree is restored after)."""
    holder = getattr(site.parent, site.field)
    if site.index is None:
        setattr(site.parent, site.field, new)
    else:
        holder[site.index] = new
    try:
        return ast.unparse(tree)
    finally:
        if site.index is None:
            setattr(site.parent, site.field, site.node)
        else:
            holder[site.index] = site.node


def generate_mutants(source: str, filename: str = "<reference>", start_index: int = 0) -> list[Mutant]:
    """Every mutant of one reference file, in a fixed order; duplicates and no-ops left out."""
    make_stub(source, filename)  # raises a clear error on unbalanced markers
    tree = ast.parse(source, filename)
    seen = {ast.unparse(tree)}
    mutants: list[Mutant] = []
    for site in _sites(tree, solution_regions(source)):
        for operator, new, description in _mutations(site.node):
            try:
                text = _unparse_with(tree, site, new)
                compile(text, filename, "exec")
            except (SyntaxError, ValueError, TypeError, AttributeError):
                continue
            if text in seen:
                continue
            seen.add(text)
            mutants.append(Mutant(start_index + len(mutants), filename, site.node.lineno, site.node.col_offset,
                                  site.function, operator, description, text))
    return mutants


def assignment_mutants(assignment: Assignment) -> tuple[dict[str, str], list[Mutant]]:
    """The reference's files (name -> text) and every mutant of them."""
    reference, mutants = {}, []
    for name in assignment.files:
        path = assignment.reference_dir / name
        if not path.is_file():
            raise AutograderError(f"{path}: reference file missing")
        reference[name] = path.read_text("utf-8")
        mutants += generate_mutants(reference[name], name, start_index=len(mutants))
    return reference, mutants


def sample(mutants: list[Mutant], limit: int | None) -> list[Mutant]:
    """At most `limit` mutants, evenly spread over the list (deterministic)."""
    if limit is None or limit >= len(mutants):
        return list(mutants)
    return [mutants[i * len(mutants) // limit] for i in range(limit)]


# ---------------------------------------------------------------- recording and replaying calls


class RecordingChannel:
    """A channel that keeps every request and its reply, to replay them against a mutant later."""

    def __init__(self, inner):
        self.inner = inner
        self.calls: list[tuple[dict, dict]] = []

    def request(self, message: dict) -> dict:
        reply = self.inner.request(message)
        self.calls.append((message, reply))
        return reply

    def close(self) -> None:
        self.inner.close()


def _numeric(value) -> bool:
    return isinstance(value, (bool, int, float, np.ndarray, np.generic)) or hasattr(value, "detach")


def compare_values(want, got, path: str = "") -> str:
    """'' when `got` is `want` (numbers and arrays within RTOL); otherwise what differs, and where."""
    where = f" at {path}" if path else ""
    if _numeric(want) and _numeric(got):
        a = np.asarray(got.detach().numpy() if hasattr(got, "detach") else got, dtype=np.float64)
        e = np.asarray(want.detach().numpy() if hasattr(want, "detach") else want, dtype=np.float64)
        if a.shape != e.shape:
            return f"shape {a.shape} instead of {e.shape}{where}"
        if np.allclose(a, e, rtol=RTOL, atol=ATOL, equal_nan=True):
            return ""
        with np.errstate(all="ignore"):
            rel = np.nanmax(np.abs(a - e) / np.maximum(np.abs(e), ATOL)) if a.size else 0.0
        return f"values differ{where} (largest relative difference {rel:.1e})"
    if type(want) is not type(got):
        return f"a {type(got).__name__} instead of a {type(want).__name__}{where}"
    if isinstance(want, (list, tuple)):
        if len(want) != len(got):
            return f"{len(got)} items instead of {len(want)}{where}"
        return next((d for i, (w, g) in enumerate(zip(want, got)) if (d := compare_values(w, g, f"{path}[{i}]"))), "")
    if isinstance(want, dict):
        if set(want) != set(got):
            return f"keys {sorted(map(str, got))} instead of {sorted(map(str, want))}{where}"
        return next((d for k in want if (d := compare_values(want[k], got[k], f"{path}[{k!r}]"))), "")
    return "" if want == got else f"a different {type(want).__name__}{where}"


def compare_replies(want: dict, got: dict) -> str:
    """'' when two replies of the student's process say the same thing; otherwise how they differ."""
    if "ok" in want and "ok" in got:
        try:
            return compare_values(wire.from_wire(want["ok"]), wire.from_wire(got["ok"]))
        except wire.WireError as exc:
            return f"malformed reply ({exc})"
    if "error" in want and "error" in got:
        w, g = want["error"], got["error"]
        same = (w.get("kind"), w.get("type")) == (g.get("kind"), g.get("type"))
        return "" if same else f"raised {g.get('type') or g.get('kind')} instead of {w.get('type') or w.get('kind')}"
    if "ok" in want:
        return f"raised {got.get('error', {}).get('type') or 'an error'} where the reference returned a value"
    return f"returned a value where the reference raised {want['error'].get('type')}"


def _call_name(message: dict) -> str:
    op, name = message.get("op"), message.get("name", "")
    return f"probe {name}()" if op == "probe" else f"{name}()" if op == "call" else str(op)


def replay(request: dict, files: dict[str, str], calls: list, skip=frozenset(),
           first_only: bool = True) -> list[tuple[int, str]]:
    """Send the recorded calls to a fresh load of `files`; (call index, difference) for each reply that changed.

    `request` is the load request (see `api.load_request`).
    """
    differences = []
    with tempfile.TemporaryDirectory(prefix="ag-replay-") as tmp:
        channel = InProcessChannel(_write(tmp, files), request)
        for k, (message, reply) in enumerate(calls):
            difference = compare_replies(reply, channel.request(message))
            if difference and k not in skip:
                differences.append((k, f"{_call_name(message)} (call {k + 1} of {len(calls)}): {difference}"))
                if first_only:
                    break
    return differences


# ---------------------------------------------------------------- forked children


@dataclass(frozen=True)
class ChildOutcome:
    """What one forked child gave back: its JSON payload, or why there is none."""

    payload: dict | None
    status: str  # "ok", TIMEOUT or CRASHED
    duration_s: float  # wall time, fork to reap
    cpu_s: float  # the child's own CPU time (user + system)
    error: str = ""  # for a crash: the exception that ended the child, when it could say


def _prepare_child(tmp: str, timeout_s: float) -> None:
    """Quiet, single-threaded, memory-capped, own process group, own temporary folder.

    An alarm a little past the timeout ends the child even if the parent is gone and cannot kill it.
    """
    os.setpgid(0, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(int(timeout_s) + 5)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.environ["OMP_NUM_THREADS"] = "1"
    if "torch" in sys.modules:  # torch's OpenMP pool hangs in a forked child unless reset to one thread
        sys.modules["torch"].set_num_threads(1)
    try:
        import resource  # noqa: PLC0415

        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (used + MEMORY_HEADROOM, resource.RLIM_INFINITY))
    except (OSError, ValueError, ImportError):
        pass
    os.makedirs(tmp, exist_ok=True)
    tempfile.tempdir = tmp


def _send(write_fd: int, payload: dict) -> None:
    data = memoryview(json.dumps(payload, allow_nan=True).encode())
    while data:
        data = data[os.write(write_fd, data):]


def _child_main(task: Callable[[], dict], write_fd: int, tmp: str, timeout_s: float) -> None:
    """Run `task` in this forked child, send its JSON result up the pipe, and never return."""
    code = 70
    try:
        _prepare_child(tmp, timeout_s)
        _send(write_fd, task())
        code = 0
    except BaseException as exc:  # noqa: BLE001 - nothing may escape into the parent's code
        try:
            _send(write_fd, {"child_error": f"{type(exc).__name__}: {str(exc)[:500]}"})
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(code)


def _kill(pid: int) -> None:
    for kill, target in ((os.killpg, pid), (os.kill, pid)):
        try:
            kill(target, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            continue


@dataclass
class _Running:
    index: int
    pid: int
    fd: int
    started: float
    chunks: list
    eof: bool = False


def _outcome(job: _Running, status: str, wait_status: int, rusage) -> ChildOutcome:
    payload = None
    try:
        payload = json.loads(b"".join(job.chunks)) if job.chunks else None
    except ValueError:
        pass
    payload = payload if isinstance(payload, dict) else None
    error = str(payload.pop("child_error", "")) if payload else ""
    if status == "ok" and (os.waitstatus_to_exitcode(wait_status) != 0 or payload is None or error):
        code = os.waitstatus_to_exitcode(wait_status)
        status, error = CRASHED, error or (f"killed by signal {-code}" if code < 0 else f"exit status {code}")
    return ChildOutcome(payload if status == "ok" else None, status, round(time.monotonic() - job.started, 4),
                        round(rusage.ru_utime + rusage.ru_stime, 4), error)


def run_in_children(tasks: list[Callable[[], dict]], jobs: int, timeout_s: float, workdir: str,
                    progress: Callable[[int, int], None] | None = None) -> list[ChildOutcome]:
    """Run each task in its own forked child, `jobs` at a time; a child past `timeout_s` is killed."""
    outcomes: list[ChildOutcome | None] = [None] * len(tasks)
    pending, running = list(range(len(tasks)))[::-1], {}
    selector = selectors.DefaultSelector()

    def finish(job: _Running, status: str, reaped: tuple | None = None) -> None:
        if not job.eof:
            selector.unregister(job.fd)
        os.close(job.fd)
        del running[job.fd]
        _, wait_status, rusage = reaped or os.wait4(job.pid, 0)
        outcomes[job.index] = _outcome(job, status, wait_status, rusage)
        if progress:
            progress(sum(o is not None for o in outcomes), len(tasks))

    try:
        while pending or running:
            while pending and len(running) < jobs:
                index = pending.pop()
                job = _start(tasks[index], index, os.path.join(workdir, f"job{index}"), timeout_s)
                running[job.fd] = job
                selector.register(job.fd, selectors.EVENT_READ)
            wait = min(job.started + timeout_s for job in running.values()) - time.monotonic()
            if any(job.eof for job in running.values()):
                wait = min(wait, 0.002)  # a child that closed its pipe is about to exit: poll for it
            for key, _ in selector.select(timeout=max(0.0, wait)):
                job = running[key.fd]
                chunk = os.read(key.fd, 1 << 16)
                if chunk:
                    job.chunks.append(chunk)
                else:  # the child is done writing; it is reaped below once it has exited
                    job.eof = True
                    selector.unregister(key.fd)
            now = time.monotonic()
            for job in list(running.values()):
                reaped = os.wait4(job.pid, os.WNOHANG) if job.eof else (0, 0, None)
                if reaped[0]:
                    finish(job, "ok", reaped)
                elif now - job.started > timeout_s:
                    _kill(job.pid)
                    finish(job, TIMEOUT)
    finally:
        for job in list(running.values()):
            _kill(job.pid)
            finish(job, CRASHED)
        selector.close()
    return outcomes  # type: ignore[return-value]


def _start(task: Callable[[], dict], index: int, tmp: str, timeout_s: float) -> _Running:
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child_main(task, write_fd, tmp, timeout_s)
    os.close(write_fd)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass  # the child did it first, or is already gone
    return _Running(index, pid, read_fd, started, [])


# ---------------------------------------------------------------- the run


def _summary(result: SubmissionResult) -> dict:
    """A graded run as JSON: status, score and the tests that did not pass (with their message's first line)."""
    failed = [[o.test, (o.message.splitlines() or [""])[0][:300]] for o in result.outcomes if o.outcome in (FAILED, PARTIAL)]
    return {"status": result.status, "message": result.message[:500], "score": result.score,
            "max_score": result.max_score, "duration_s": result.duration_s, "failed": failed}


def _all_passed(summary: dict) -> bool:
    return summary["status"] == "graded" and not summary["failed"]


def _write(folder: str, files: dict[str, str]) -> Path:
    for name, text in files.items():
        Path(folder, name).write_text(text, "utf-8")
    return Path(folder)


class ReferenceTimeout(BaseException):
    """The reference's own test run went past its time limit (a BaseException: no test may swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise `ReferenceTimeout` in this thread after `seconds`, and every 0.1 s after until the block ends.

    Yields a list that holds True once the limit has passed (student-side code may swallow the
    exception). Only in the main thread (signals); elsewhere the block runs without a limit.
    """
    expired: list[bool] = []
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield expired
        return

    def expire(signum, frame):
        expired.append(True)
        raise ReferenceTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield expired
    finally:
        while True:  # the alarm may strike in here too: disarm until it stays disarmed
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                break
            except ReferenceTimeout:
                continue


@contextlib.contextmanager
def _restored_state(files: tuple[str, ...]):
    """Undo what loading a submission here leaves behind: sys.path entries, module entries, global RNG states."""
    path = list(sys.path)
    names = [MODULE_NAME, *(Path(f).stem for f in files)]
    modules = {name: sys.modules.get(name) for name in names}
    rngs = [(random.setstate, random.getstate()), (np.random.set_state, np.random.get_state())]
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        rngs.append((torch.set_rng_state, torch.get_rng_state()))
    try:
        yield
    finally:
        sys.path[:] = path
        for name, module in modules.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        for restore, state in rngs:
            restore(state)


@dataclass(frozen=True)
class Recording:
    """The reference's test run: its summary, every call with its reply, and the calls that do not replay."""

    summary: dict
    calls: list
    unstable: frozenset
    duration_s: float
    cpu_s: float


def record_reference(assignment: Assignment, specs: list[TestSpec], prepared: Prepared,
                     time_limit_s: float) -> Recording:
    """Grade the reference in this process, recording every call; replay the calls once to find unstable ones.

    Running it here, before any fork, also warms this process (lazy imports, first-call set-up in
    torch and NumPy), so that every mutant's child starts warm: several times faster per mutant.
    Global random states are restored afterwards, so every child starts where the reference did.
    """
    started, cpu = time.monotonic(), time.process_time()
    request = load_request(assignment, prepared)
    expired: list[bool] = []
    try:
        with _restored_state(assignment.files), tempfile.TemporaryDirectory(prefix="ag-reference-") as tmp, \
                _time_limit(time_limit_s) as expired:
            channel = RecordingChannel(InProcessChannel(_write(tmp, prepared.files), request))
            result = run_tests(specs, Submission(channel, assignment.files), "reference")
            unstable = frozenset(k for k, _ in replay(request, prepared.files, channel.calls, first_only=False))
    except ReferenceTimeout:
        expired.append(True)
    if expired:
        raise AutograderError(f"{assignment.name}: the reference's tests did not finish within {time_limit_s:g} s")
    summary = _summary(result)
    if not _all_passed(summary):
        failing = "; ".join(f"{test}: {message}" for test, message in summary["failed"][:5]) or summary["message"]
        raise AutograderError(f"{assignment.name}: the reference does not get full marks "
                              f"({summary['score']:g}/{summary['max_score']:g}); fix it before mutation testing. "
                              f"Failing: {failing}")
    # Through JSON, as a child would see them: replies are compared as plain data.
    calls = [tuple(pair) for pair in json.loads(json.dumps(channel.calls, allow_nan=True))]
    return Recording(summary, calls, unstable, round(time.monotonic() - started, 4),
                     round(time.process_time() - cpu, 4))


def _mutant_task(assignment: Assignment, specs: list[TestSpec], prepared: Prepared,
                 calls: list, unstable: frozenset) -> Callable[[], dict]:
    """Grade one mutant; if it passes everything, replay the reference's calls and say what changed."""
    def task() -> dict:
        summary = _summary(grade_in_process(assignment, specs, prepared))
        if _all_passed(summary):
            differences = replay(load_request(assignment, prepared), prepared.files, calls, skip=unstable)
            summary["difference"] = differences[0][1] if differences else ""
        return summary
    return task


def _verdict(mutant: Mutant, outcome: ChildOutcome) -> MutantResult:
    timing = {"duration_s": outcome.duration_s, "cpu_s": outcome.cpu_s}
    if outcome.status in (TIMEOUT, CRASHED):
        return MutantResult(mutant, outcome.status, (), difference=outcome.error, **timing)
    summary = outcome.payload
    if not _all_passed(summary):
        failed = tuple(test for test, _ in summary["failed"]) or (f"({summary['status']})",)
        return MutantResult(mutant, KILLED, failed, **timing)
    difference = summary.get("difference", "")
    return MutantResult(mutant, SURVIVED if difference else EQUIVALENT, (), difference=difference, **timing)


def run_mutation(assignment: Assignment, max_mutants: int | None = None, timeout_s: float = 20.0, jobs: int = 2,
                 progress: Callable[[int, int], None] | None = None) -> MutationReport:
    """Mutate the reference's solution regions and run every test against each mutant (see the module doc)."""
    if jobs < 1 or timeout_s <= 0 or (max_mutants is not None and max_mutants < 1):
        raise AutograderError("mutation testing needs --jobs >= 1, --timeout > 0 and --max >= 1")
    started = time.monotonic()
    specs = collect(assignment)
    reference, mutants = assignment_mutants(assignment)
    chosen = sample(mutants, max_mutants)
    recording = record_reference(assignment, specs, _prepared("reference", assignment, reference),
                                 max(60.0, 3 * timeout_s))
    with tempfile.TemporaryDirectory(prefix="ag-mutation-", ignore_cleanup_errors=True) as workdir:
        mutants_started = time.monotonic()
        tasks = [_mutant_task(assignment, specs, _prepared(f"mutant{m.index}", assignment, {**reference, m.file: m.source}),
                              recording.calls, recording.unstable) for m in chosen]
        outcomes = run_in_children(tasks, jobs, timeout_s, workdir, progress)
        mutants_s = time.monotonic() - mutants_started
    return MutationReport(
        assignment=assignment.name, files=assignment.files, generated=len(mutants),
        results=tuple(_verdict(m, o) for m, o in zip(chosen, outcomes)),
        recorded_calls=len(recording.calls), unstable_calls=len(recording.unstable), timeout_s=timeout_s, jobs=jobs,
        baseline_s=recording.duration_s, baseline_cpu_s=recording.cpu_s, mutants_s=round(mutants_s, 4),
        duration_s=round(time.monotonic() - started, 4))


def _prepared(name: str, assignment: Assignment, files: dict[str, str]) -> Prepared:
    return Prepared(name, assignment.reference_dir, files, "")


# ---------------------------------------------------------------- text


def _rate(report: MutationReport) -> str:
    return "n/a (nothing to kill)" if report.kill_rate is None else f"{100 * report.kill_rate:.1f}%"


def _by_operator(report: MutationReport) -> list[str]:
    operators = sorted({r.mutant.operator for r in report.results})
    lines = [f"  {'operator':<20} {'killed':>6} {'survived':>8} {'equivalent':>10}"]
    for op in operators:
        rows = [r for r in report.results if r.mutant.operator == op]
        lines.append(f"  {op:<20} {sum(r.killed for r in rows):>6} {sum(r.status == SURVIVED for r in rows):>8} "
                     f"{sum(r.status == EQUIVALENT for r in rows):>10}")
    return lines


def _where(result: MutantResult) -> str:
    m = result.mutant
    return f"  {m.file}:{m.line} in {m.function}  [{m.operator}] {m.description}"


def format_report(report: MutationReport) -> str:
    """The report a person reads: counts, kill rate, timings, then every survivor and equivalent mutant."""
    sampled = f" (evenly sampled from {report.generated})" if report.generated != report.total else ""
    t = report.timing()
    lines = [
        f"Mutation testing of {report.assignment} ({', '.join(report.files)}): {report.total} mutants{sampled}",
        f"  killed      {report.killed:5d}  ({report.timeouts} by the {report.timeout_s:g} s timeout)",
        f"  survived    {report.survived:5d}  behaviour-changing: the tests saw a different reply and passed",
        f"  equivalent  {report.equivalent:5d}  the same replies on every input the tests use",
        f"  kill rate   {_rate(report)}  = killed / (killed + survived)",
        "",
        *_by_operator(report),
        "",
        f"Timing: reference run {report.baseline_s:.2f} s ({report.baseline_cpu_s:.2f} s CPU); per mutant "
        f"mean {t['mean_s']} s ({t['mean_cpu_s']} s CPU), median {t['median_s']} s, max {t['max_s']} s "
        f"(timeouts left out); {t['wall_per_mutant_s']} s of wall time per mutant with {report.jobs} jobs; "
        f"{report.duration_s:.1f} s in all.",
        f"Replayed {report.recorded_calls} recorded calls per survivor"
        + (f" ({report.unstable_calls} give a different reply on a second run of the reference and are not compared)"
           if report.unstable_calls else "") + ".",
    ]
    if report.survivors:
        lines += ["", "Survivors (strengthen the tests to kill these):"]
        for r in report.survivors:
            lines += [_where(r), f"      first changed reply: {r.difference}"]
    equivalent = [r for r in report.results if r.status == EQUIVALENT]
    if equivalent:
        lines += ["", "Equivalent on the tested inputs (no reply changed; check that no test input is missing):"]
        lines += [_where(r) for r in equivalent]
    crashed = [r for r in report.results if r.status == CRASHED]
    if crashed:
        lines += ["", "Crashed (the mutant's process died; counted as killed):"]
        lines += [f"{_where(r)}\n      {r.difference}" for r in crashed]
    return "\n".join(lines)


def _progress(done: int, total: int) -> None:
    print(f"\r  {done}/{total} mutants", end="\n" if done == total else "", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """`python -m autograder.mutation ASSIGNMENT`: parse, call `run_mutation`, print the report."""
    parser = argparse.ArgumentParser(
        prog="python -m autograder.mutation",
        description="Mutate the reference's solution regions and report which mutants the tests miss.",
        epilog="Example: python -m autograder.mutation hw2 --max 200 --jobs 2")
    parser.add_argument("assignment")
    parser.add_argument("--max", dest="max_mutants", type=int, help="test at most N mutants, evenly sampled")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per mutant before it counts as killed")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        report = run_mutation(get_assignment(args.assignment), args.max_mutants, args.timeout, args.jobs,
                              progress=_progress if sys.stderr.isatty() else None)
    except AutograderError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_report(report))
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
