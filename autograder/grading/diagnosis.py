"""Naming the misconception behind a failed test: a student's answers against those of named mistakes.

`autograder release` records, beside the hidden tests (`hidden/mistakes.json`), what each named
mistake answers to each test's calls: the course's typical mistakes (`authoring.mistakes`) and the
reference's mutants that can be said in words (`mutation.words`). When a test fails, the grader (never
the student's process) compares the student's replies to that test's calls with each mistake's:

- Replies agree as `answers.compare_replies` says (numbers within the oracle store's bounds; errors by
  their kind and type). A call the student was not sent, or sent with other arguments (they came
  from the student's earlier answers), is not compared.
- A mistake matches when the student was sent the same of the test's calls as the mistake was when it
  was graded, every reply agrees with the mistake's, and at least one of them is telling: a value that
  is not the reference's and holds a number that is not a whole one, or is infinite or nan where the
  reference's is finite, or is an array of another shape. An error, a flag or a count alike is weak
  evidence (many a slip raises or flips a boolean): it names only a typical mistake, and only when the
  student fails exactly the tests that mistake fails.
- Exactly one description among the matches is the diagnosis; several, or none, say nothing.

A diagnosis is the mistake's description, words written before any student ran: never a number,
never an expected value. The store is used only while the test files and probes it was recorded
with are unchanged (and the reference and manifest too, where this checkout holds them).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from autograder.core.course import Assignment
from autograder.core.status import Outcome
from autograder.grading.answers import ATOL, RTOL, compare_replies, compare_values
from autograder.grading.protocol import ChannelWrapper
from autograder.isolation import wire

STORE, FORMAT = "mistakes.json", 1
CALL_OPS = ("call", "probe")
NOT_SENT = -1  # in a mistake's answers: the call was not sent to it


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
def informative(reply: dict, reference: dict | None = None) -> bool:
    """A reply that can tell a mistake apart (see the module's rules), given the reference's reply."""
    try:
        value = wire.from_wire(reply["ok"])
        want = wire.from_wire(reference["ok"]) if reference is not None and "ok" in reference else None
    except (KeyError, wire.WireError):
        return False
    floats = list(_floats(value))
    if any(_not_whole(f) for f in floats):
        return True
    if want is None:
        return False
    finite = lambda fs: all(np.all(np.isfinite(f)) for f in fs)  # noqa: E731
    return (not finite(floats) and finite(_floats(want))) or compare_values(want, value).startswith("shape ")


def _not_whole(f: np.ndarray) -> bool:
    """Whether an array holds a finite number that is not a whole one, beyond the store's tolerance (a
    float one CPU computes as 3.0 another may as 3.0000000000000004: whether it informs must not change)."""
    finite = f[np.isfinite(f)]
    return bool(np.any(np.abs(finite - np.round(finite)) > ATOL + RTOL * np.abs(finite)))


def _floats(value):
    """Every floating-point array (a float as one) that a value holds."""
    if isinstance(value, (float, np.floating)):
        yield np.asarray(value, dtype=np.float64)
    elif hasattr(value, "detach"):
        yield from _floats(value.detach().numpy())
    elif isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _floats(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _floats(v)


def plain_reply(reply: dict) -> dict:
    """A reply as the store keeps it: a value as it came, an error by its kind and type only."""
    if "ok" in reply:
        return {"ok": reply["ok"]}
    error = reply.get("error") or {}
    return {"error": {"kind": str(error.get("kind", "")), "type": str(error.get("type", ""))}}


def same_reply(a: dict, b: dict) -> bool:
    return a == b or compare_replies(a, b) == ""


def store_text(source_digests: dict[str, str], mistakes: list[tuple], tests: dict) -> str:
    """The store as text: one line per call, so that a re-release shows what changed.

    `mistakes`: (name, description) each, and for a typical mistake the tests it fails; `tests`: test -> {"calls": [[case, digest, n, [replies]]...],
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

    def __init__(self, entry: dict):
        self.keys = [(str(case), str(d), int(n)) for case, d, n, _ in entry["calls"]]
        self.replies = [list(replies) for *_, replies in entry["calls"]]
        self.answers = {int(m): [int(i) for i in idx] for m, idx in entry["answers"].items()}
        self.telling = [[j > 0 and informative(r, replies[0]) for j, r in enumerate(replies)] for replies in self.replies]

    def matches(self, seen: dict, among=None, whole: frozenset = frozenset()) -> set[int]:
        """The mistakes (of `among`, or all) whose answers the student's replies (`seen`: (case, digest, n) ->
        reply) match by the module's rules; those of `whole` (mistakes that fail exactly the tests the student
        fails) on weaker evidence too."""
        compared = [(k, seen[key]) for k, key in enumerate(self.keys) if key in seen]
        sent = [k for k, _ in compared]
        return {m for m, idx in self.answers.items()
                if (among is None or m in among) and [k for k, j in enumerate(idx) if j != NOT_SENT] == sent
                and (any(self.telling[k][idx[k]] for k in sent) or (m in whole and any(idx[k] > 0 for k in sent)))
                and all(same_reply(self.replies[k][idx[k]], reply) for k, reply in compared)}


class Store:
    """A release's recorded answers of named mistakes, per test, as the grader reads them."""

    def __init__(self, data: dict):
        self._descriptions = [str(entry[1]) for entry in data["mistakes"]]
        self._failed = {m: frozenset(entry[2]) for m, entry in enumerate(data["mistakes"]) if len(entry) > 2}
        self._entries = data["tests"]
        self._tests: dict[str, _Test] = {}
        self._recorded: dict[int, list[str]] = {}  # mistake -> the tests it has answers for
        for test, entry in data["tests"].items():
            for m in entry["answers"]:
                self._recorded.setdefault(int(m), []).append(test)
        self.keys = {(test, str(case), str(d)) for test, entry in data["tests"].items() for case, d, *_ in entry["calls"]}

    def _test(self, test: str) -> _Test:
        if test not in self._tests:
            self._tests[test] = _Test(self._entries[test])
        return self._tests[test]

    def diagnose(self, test: str, seen: dict[str, dict], failed: frozenset = frozenset()) -> str:
        """The one description that the student's replies to `test` match (`seen`: test -> its replies;
        `failed`: the tests the student failed), or ''. Of several mistakes that match, those that the
        student's replies to their other tests match too are the evidence, when there are any."""
        if test not in self._entries:
            return ""
        whole = frozenset(m for m, tests in self._failed.items() if tests == failed)
        candidates = self._test(test).matches(seen.get(test, {}), None, whole)
        consistent = {m for m in candidates if all(m in self._test(t).matches(seen.get(t, {}), {m}, whole)
                                                   for t in self._recorded[m] if t != test)}
        described = {self._descriptions[m] for m in consistent or candidates}
        return described.pop() if len(described) == 1 else ""


_loaded: dict[tuple, tuple[dict, Store] | None] = {}  # (path, mtime, size) -> (its sources, the store read from it)


def load_store(assignment: Assignment) -> Store | None:
    """The assignment's store, when it exists, is well formed and was recorded from the files here
    (checked at every call: the tests may change while a process lives; the file is read once)."""
    path = store_path(assignment)
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _loaded:
        _loaded[key] = _read(path)
    read = _loaded[key]
    return read[1] if read is not None and current(read[0], assignment) else None


def _read(path: Path) -> tuple[dict, Store] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("format") != FORMAT or not isinstance(data["sources"], dict):
            return None
        return data["sources"], Store(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # unreadable or not ours: no diagnosis, never a failed grading


class Watch(ChannelWrapper):
    """A channel that keeps the student's replies to the calls the store knows, test by test (the runner
    says where each test case begins), and names the mistake they match once every test has run."""

    def __init__(self, inner, store: Store):
        super().__init__(inner)
        self.store = store
        self.test, self.case = "", ""
        self.seen: dict[str, dict[tuple[str, str, int], dict]] = {}
        self.counts: dict[tuple[str, str, str], int] = {}

    def begin(self, test: str, case: str) -> None:
        self.test, self.case = test, case

    def request(self, message: dict, frame: bytes | None = None) -> dict:
        reply = self.inner.request(message, frame)
        if message.get("op") in CALL_OPS:
            d = digest(frame or wire.dumps(message))
            n = self.counts.get((self.test, self.case, d), 0)
            self.counts[self.test, self.case, d] = n + 1
            if (self.test, self.case, d) in self.store.keys:
                self.seen.setdefault(self.test, {})[self.case, d, n] = reply
        return reply

    def diagnosed(self, outcomes: tuple) -> tuple:
        """The outcomes, each failed one with the diagnosis its answers give ('' when none is clear)."""
        failing = (Outcome.FAILED, Outcome.PARTIAL)
        failed = frozenset(o.test for o in outcomes if o.outcome in failing)
        return tuple(replace(o, diagnosis=self._diagnose(o.test, failed)) if o.outcome in failing else o
                     for o in outcomes)

    def _diagnose(self, test: str, failed: frozenset) -> str:
        try:
            return self.store.diagnose(test, self.seen, failed)
        except Exception:  # noqa: BLE001 (a student's odd reply): no diagnosis is said, and the grade stands
            return ""
