"""Naming the misconception behind a failed test: a student's answers against those of named mistakes.

`autograder release` records, beside the hidden tests (`hidden/mistakes.json`), what each named
mistake answers to each test's calls: the course's typical mistakes (`authoring.mistakes`) and the
reference's mutants that can be said in words (`mutation.words`). When a test fails, the grader (never
the student's process) compares the student's replies to that test's calls with each mistake's:

- Replies agree as `answers.compare_replies` says (numbers within the oracle store's bounds; errors by
  their kind and type). A call the student was not sent, or sent with other arguments (they came
  from the student's earlier answers), is not compared.
- A mistake matches when every compared reply agrees with its own, and on at least one of them it
  answered a value that is not the reference's and holds a number that is not a whole one: an error, a
  flag or a count alike is no evidence (many a slip raises or flips a boolean).
- Exactly one description among the matches is the diagnosis; several, or none, say nothing.

A diagnosis is the mistake's description, words written before any student ran: never a number,
never an expected value. The store is used only while the test files and probes it was recorded
with are unchanged (and the reference and manifest too, where this checkout holds them).
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np

from autograder.core.course import Assignment
from autograder.grading.answers import compare_replies
from autograder.grading.protocol import ChannelWrapper
from autograder.isolation import wire

STORE, FORMAT = "mistakes.json", 1
CALL_OPS = ("call", "probe")


def store_path(assignment: Assignment) -> Path:
    return assignment.hidden_dir / STORE


def digest(frame: bytes) -> str:
    return hashlib.sha256(frame).hexdigest()[:32]


def sources(assignment: Assignment) -> dict[str, str]:
    """SHA-256 of every file the recorded answers depend on, by its path in the course."""
    root = assignment.course_root
    paths = [assignment.probes_path, *sorted(assignment.public_dir.glob("test_*.py")),
             *sorted(assignment.hidden_dir.glob("test_*.py")),
             *(assignment.reference_dir / name for name in assignment.files), assignment.reference_dir / "mistakes.toml"]
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def current(recorded: dict, assignment: Assignment) -> bool:
    """Whether the files a store was recorded from are unchanged here: every test file and the probes
    (present wherever grading is), the reference and manifest where this checkout has them."""
    now = sources(assignment)
    tests = {k for k in {**recorded, **now} if not k.startswith("reference/")}
    return all(recorded.get(k) == now.get(k) for k in tests) and all(
        now[k] == v for k, v in recorded.items() if k.startswith("reference/") and k in now)


# -- the store's text: written at release, read when grading ----------------------------------------
def informative(reply: dict) -> bool:
    """A reply that can tell a mistake apart: a value holding a number that is not a whole one."""
    if "ok" not in reply:
        return False
    try:
        return _fractional(wire.from_wire(reply["ok"]))
    except wire.WireError:
        return False


def _fractional(value) -> bool:
    if type(value) is float:
        return math.isfinite(value) and not value.is_integer()
    if hasattr(value, "detach"):
        value = value.detach().numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind != "f":
            return False
        finite = value[np.isfinite(value)]
        return bool(np.any(finite != np.round(finite)))
    if isinstance(value, (list, tuple)):
        return any(map(_fractional, value))
    if isinstance(value, dict):
        return any(map(_fractional, value.values()))
    return False


def plain_reply(reply: dict) -> dict:
    """A reply as the store keeps it: a value as it came, an error by its kind and type only."""
    if "ok" in reply:
        return {"ok": reply["ok"]}
    error = reply.get("error") or {}
    return {"error": {"kind": str(error.get("kind", "")), "type": str(error.get("type", ""))}}


def same_reply(a: dict, b: dict) -> bool:
    return a == b or compare_replies(a, b) == ""


def store_text(source_digests: dict[str, str], mistakes: list[tuple[str, str]], tests: dict) -> str:
    """The store as text: one line per call, so that a re-release shows what changed.

    `mistakes`: (name, description) each; `tests`: test -> {"calls": [[case, digest, n, [replies]]...],
    "answers": {mistake index: [reply index per call]}} (reply 0 is the reference's)."""
    dump = lambda value: json.dumps(value, separators=(",", ":"), allow_nan=True)  # noqa: E731
    parts = []
    for name, entry in sorted(tests.items()):
        calls = ",\n".join(f"    {dump(call)}" for call in entry["calls"])
        answers = ",\n".join(f"    {json.dumps(str(m))}: {dump(idx)}" for m, idx in sorted(entry["answers"].items()))
        parts.append(f'  {json.dumps(name)}: {{"calls": [\n{calls}],\n   "answers": {{\n{answers}}}}}')
    head = (f'{{"format": {FORMAT},\n "sources": {dump(dict(sorted(source_digests.items())))},\n'
            f' "mistakes": [\n' + ",\n".join(f"  {dump(list(m))}" for m in mistakes) + "],\n")
    return head + ' "tests": {\n' + ",\n".join(parts) + "}}\n"


def stores_agree(stored_text: str, fresh_text: str) -> bool:
    """Whether a committed store holds what a release records now: the same sources, mistakes, tests,
    calls and answers, and replies that agree as a diagnosis compares them (the last bits of floats
    differ between CPUs)."""
    try:
        stored, fresh = json.loads(stored_text), json.loads(fresh_text)
        if {k: v for k, v in stored.items() if k != "tests"} != {k: v for k, v in fresh.items() if k != "tests"}:
            return False
        if set(stored["tests"]) != set(fresh["tests"]):
            return False
        return all(_tests_agree(stored["tests"][t], fresh["tests"][t]) for t in fresh["tests"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


def _tests_agree(old: dict, new: dict) -> bool:
    if old["answers"] != new["answers"] or len(old["calls"]) != len(new["calls"]):
        return False
    for (*key_a, replies_a), (*key_b, replies_b) in zip(old["calls"], new["calls"]):
        if key_a != key_b or len(replies_a) != len(replies_b):
            return False
        if not all(same_reply(a, b) for a, b in zip(replies_a, replies_b)):
            return False
    return True


# -- grading: the student's replies, and the mistake they match --------------------------------------
class _Test:
    """One test's recorded calls, decoded on first use: what each mistake answered, and which answers inform."""

    def __init__(self, entry: dict, descriptions: list[str]):
        self.keys = [(str(case), str(d), int(n)) for case, d, n, _ in entry["calls"]]
        self.replies = [list(replies) for *_, replies in entry["calls"]]
        self.answers = [(descriptions[int(m)], [int(i) for i in idx]) for m, idx in entry["answers"].items()]
        self.telling = [[j > 0 and informative(r) for j, r in enumerate(replies)] for replies in self.replies]

    def diagnose(self, seen: dict) -> str:
        """The one description the student's replies (`seen`: (case, digest, n) -> reply) match, or ''."""
        compared = [(k, seen[key]) for k, key in enumerate(self.keys) if key in seen]
        agree: dict[tuple[int, int], bool] = {}

        def agrees(k: int, j: int, reply: dict) -> bool:
            if (k, j) not in agree:
                agree[k, j] = same_reply(self.replies[k][j], reply)
            return agree[k, j]

        matched = {description for description, idx in self.answers
                   if any(self.telling[k][idx[k]] for k, _ in compared)
                   and all(agrees(k, idx[k], reply) for k, reply in compared)}
        return matched.pop() if len(matched) == 1 else ""


class Store:
    """A release's recorded answers of named mistakes, per test, as the grader reads them."""

    def __init__(self, data: dict):
        descriptions = [str(description) for _, description in data["mistakes"]]
        self._entries = data["tests"]
        self._descriptions = descriptions
        self._tests: dict[str, _Test] = {}
        self.keys = {(test, str(case), str(d)) for test, entry in data["tests"].items() for case, d, *_ in entry["calls"]}

    def diagnose(self, test: str, seen: dict) -> str:
        if test not in self._entries:
            return ""
        if test not in self._tests:
            self._tests[test] = _Test(self._entries[test], self._descriptions)
        return self._tests[test].diagnose(seen)


_loaded: dict[tuple, Store | None] = {}  # (path, mtime, size) -> the store read from it, for this process's life


def load_store(assignment: Assignment) -> Store | None:
    """The assignment's store, when it exists, is well formed and was recorded from the files here."""
    path = store_path(assignment)
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _loaded:
        _loaded[key] = _read(path, assignment)
    return _loaded[key]


def _read(path: Path, assignment: Assignment) -> Store | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("format") != FORMAT or not current(data["sources"], assignment):
            return None
        return Store(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # unreadable or not ours: no diagnosis, never a failed grading


class Watch(ChannelWrapper):
    """A channel that keeps the student's replies to the calls the store knows, test by test, and names
    the mistake they match when a test fails (the runner says where each test case begins)."""

    def __init__(self, inner, store: Store):
        super().__init__(inner)
        self.store = store
        self.test, self.case = "", ""
        self.seen: dict[tuple[str, str, int], dict] = {}
        self.counts: dict[tuple[str, str], int] = {}

    def begin(self, test: str, case: str) -> None:
        if test != self.test:
            self.seen.clear()
            self.counts.clear()
        self.test, self.case = test, case

    def request(self, message: dict, frame: bytes | None = None) -> dict:
        reply = self.inner.request(message, frame)
        if message.get("op") in CALL_OPS:
            d = digest(frame or wire.dumps(message))
            n = self.counts.get((self.case, d), 0)
            self.counts[self.case, d] = n + 1
            if (self.test, self.case, d) in self.store.keys:
                self.seen[self.case, d, n] = reply
        return reply

    def diagnosis(self, test: str) -> str:
        return self.store.diagnose(test, self.seen) if test == self.test else ""
