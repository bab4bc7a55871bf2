"""No value that a test checks is ever an argument to the student's code: the leak check of `release --check`.

Arguments reach the student's process (and can be printed into the feedback), so a test that passes an
expected value gives it away: hw2's gradient-check test once passed the oracle's gradients of a hidden
network. The check runs the tests against the reference in this process, with every number the
reference replies nudged by a few units in the last place (as `planning` does), and records, in order,
every call's arguments, every reply (as the reference gave it, before the nudge) and every value an
oracle gives. `find_leaks` then applies the rule:

- Only floats and float arrays are compared, exactly (bit for bit, as float64), anywhere inside an
  argument or an answer (lists, tuples, dict values): an argument array with an answer array, an
  argument float with an answer float or any entry of an answer array. (An argument array's entries
  are not compared one by one: an answer passed back carries a nudge of a few units in the last place,
  which the reference's next reply may round away in some entry.)
- An answer is a reference reply (as the reference gave it) or an oracle value. What the tests received
  from the student's side (the reply with its nudge) is the student's own: passing it back, or an array
  made only of its numbers (a slice), is fine, and a value computed from it carries the nudge, so it
  equals no reference reply.
- Trivial values are ignored: small integers (0, 1, 2, ... 16, negated too) as floats, floats a test
  writes as a short literal (at most 6 characters: 0.5, 1e-08, -2.25), empty arrays and arrays made only
  of trivial values; booleans, integers, strings and None are never compared.
- A value the run sent as an argument before it was ever an answer is the test's own input data (an
  oracle may return one: d(a*b)/da is b, relu passes its input on, unbroadcast may return its input): it
  is fine wherever it is sent again.
- Anything else that equals an answer is a finding: the test, the function called, the argument's
  position and where the equal answer came from.

Calls a test makes only after comparing an answer exactly (`==`) are not reached in the nudged run: the
test fails there. They are the calls `planning` cannot send ahead either.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from autograder.core.course import Assignment
from autograder.grading import oracles
from autograder.grading.collect import HIDDEN, PUBLIC, collect
from autograder.grading.planning import _nudge
from autograder.grading.protocol import ChannelWrapper
from autograder.grading.reference import reference_submission
from autograder.grading.runner import run_case
from autograder.isolation import wire

SHORT_LITERAL, SMALL_INTEGER = 6, 16


@dataclass(frozen=True)
class Call:
    """A request to the student's code: which test case made it, the function (or probe), its arguments (wire data)."""

    test: str
    function: str
    args: list
    kwargs: dict


@dataclass(frozen=True)
class Answer:
    """A value the tests check against: a reply of the reference or an oracle's value (wire data), and whence."""

    value: object
    source: str


@dataclass(frozen=True)
class Returned:
    """A reply as the tests received it (with the nudge): the student's own values, fine to pass back."""

    value: object


@dataclass(frozen=True)
class Leak:
    """An argument that equals an answer: the test case, the function called, the argument's position, the answer's source."""

    test: str
    function: str
    position: str
    source: str

    def __str__(self) -> str:
        return f"{self.test}: {self.position} of {self.function} equals {self.source}"


def find_leaks(events: Iterable[Call | Answer | Returned]) -> list[Leak]:
    """The arguments in `events` (in the order they happened) that equal an earlier answer (see the module's rule)."""
    known: dict[tuple, str] = {}  # atom -> the source of the first answer that held it (arrays' entries too)
    returned: set[tuple] = set()  # what the student's side returned (arrays' entries too)
    sent: set[tuple] = set()  # arguments sent before any answer held them: the tests' own data
    leaks: dict[tuple, Leak] = {}
    for event in events:
        if isinstance(event, Answer):
            for _, atom, entries in _atoms(event.value, ""):
                for one in (atom, *entries):
                    known.setdefault(one, event.source)
        elif isinstance(event, Returned):
            returned.update(one for _, atom, entries in _atoms(event.value, "") for one in (atom, *entries))
        else:
            for position, atom, entries in _arguments(event):
                if atom in sent or atom in returned or (entries and returned.issuperset(entries)):
                    continue
                if atom in known:  # one finding per argument of a call: its first position that leaks
                    leaks.setdefault((event.test, event.function, position.split("[")[0]),
                                     Leak(event.test, event.function, position, known[atom]))
                else:
                    sent.add(atom)
    return list(leaks.values())


def _arguments(call: Call) -> Iterator[tuple[str, tuple, tuple]]:
    for i, value in enumerate(call.args):
        yield from _atoms(value, f"argument {i + 1}")
    for name, value in call.kwargs.items():
        yield from _atoms(value, f"argument {name}=")


def _atoms(data, position: str) -> Iterator[tuple[str, tuple, tuple]]:
    """(position, atom, the atoms of its entries) of every non-trivial float and float array in wire data."""
    if type(data) is float:
        if not _trivial(data):
            yield position, ("float", np.float64(data).tobytes()), ()
    elif type(data) is list:
        for i, value in enumerate(data):
            yield from _atoms(value, f"{position}[{i}]")
    elif type(data) is dict and len(data) == 1:
        ((tag, body),) = data.items()
        if tag == "$tuple":
            yield from _atoms(body, position)
        elif tag == "$dict":
            for key, value in body:
                yield from _atoms(value, f"{position}[{key!r}]")
        elif tag in ("$array", "$tensor") and body.get("dtype", "").startswith("float"):
            array = np.asarray(wire.from_wire({"$array": {k: body[k] for k in ("dtype", "shape", "data")}}), np.float64)
            entries = tuple(("float", np.float64(v).tobytes()) for v in array.reshape(-1) if not _trivial(float(v)))
            if entries:
                yield position, ("array", array.shape, array.tobytes()), entries


def _trivial(value: float) -> bool:
    """A small integer, or a literal a test writes by hand (0.5, 1e-08): nothing to give away."""
    if value != value or value in (float("inf"), float("-inf")):
        return True
    return (value.is_integer() and abs(value) <= SMALL_INTEGER) or len(repr(value)) <= SHORT_LITERAL


class _Recorder(ChannelWrapper):
    """A channel that records each request and the reference's reply as events, then nudges the reply."""

    def __init__(self, inner, events: list):
        super().__init__(inner)
        self.events, self.test = events, ""
        self.seen: dict = {}  # test file -> how many of its oracle values are already events

    def request(self, message: dict, frame: bytes | None = None) -> dict:
        self._oracle_values()
        reply = self.inner.request(message, frame)
        if message.get("op") in ("call", "probe"):
            name = str(message.get("name"))
            self.events.append(Call(self.test, name, message.get("args") or [], dict(message.get("kwargs", {}).get("$dict", []))))
            if "ok" in reply:
                self.events.append(Answer(reply["ok"], f"the reference's reply to {name} in {self.test}"))
        if "ok" not in reply:
            return reply
        reply = {"ok": _nudge(reply["ok"])}
        self.events.append(Returned(reply["ok"]))
        return reply

    def _oracle_values(self) -> None:
        """The oracle values computed since the last request, as answers (read from the recording in progress)."""
        for path, values in (oracles._recording or {}).items():
            for key in list(values)[self.seen.get(path, 0):]:
                self.events.append(Answer(values[key], f"a value of an oracle in {path.name}"))
            self.seen[path] = len(values)


def recorded_events(assignment: Assignment) -> list[Call | Answer | Returned]:
    """Every call, reply and oracle value of the public and hidden tests run against the reference, in order."""
    specs, events, recorders = collect(assignment, (PUBLIC, HIDDEN)), [], []

    def wrap(channel):
        recorders.append(_Recorder(channel, events))
        return recorders[-1]

    def run_cases() -> None:
        with reference_submission(assignment, wrap) as submission:
            submission.functions()
            for spec in specs:
                for case in spec.cases if spec.skip is None else ():
                    recorders[0].test = f"{spec.name}[{case.id}]" if case.id else spec.name
                    run_case(spec, case, submission)
            recorders[0]._oracle_values()

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        oracles.record(run_cases)
    return events


def assignment_leaks(assignment: Assignment) -> list[Leak]:
    """The leaks of an assignment's tests (no reference: nothing to check)."""
    if not all((assignment.reference_dir / name).is_file() for name in assignment.files):
        return []
    return find_leaks(recorded_events(assignment))
