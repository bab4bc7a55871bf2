"""Recording what named mistakes answer to the tests' calls: the store a diagnosis reads (`grading.diagnosis`).

At `autograder release`, for an assignment whose reference folder has a `mistakes.toml`:

1. The tests run against the reference here, and every call they send is recorded with the test case
   that sent it and the reference's reply. The calls are sent again to a fresh reference; a call whose
   reply changes (it depends on what ran before) is not kept.
2. Every named mistake is graded as a submission is, test by test, in a forked child with a time limit:
   the course's typical mistakes and each mutant of the reference that can be said in words. Its reply
   to each of the reference's calls that it was sent too is kept (a test stops at its first failed
   check, and arguments may come from earlier answers: a call it was not sent is marked so). A mistake
   that does not finish, or never answers anything telling the reference would not, is left out; so
   is a mutant that answers exactly as a typical mistake does (the course's own words say it better)
   or as an earlier mutant with the same words.
3. Per test, the store keeps each call's distinct replies (the reference's first) and, for every
   mistake that fails the test with a telling value of its own, which reply it gave (-1: not sent).
"""
from __future__ import annotations

import contextlib
import io
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.authoring.mistakes import manifest_path, typical_mistakes
from autograder.core.course import Assignment
from autograder.core.errors import AutograderError
from autograder.grading import diagnosis
from autograder.grading.collect import HIDDEN, PUBLIC, collect
from autograder.grading.one import load_request
from autograder.grading.protocol import ChannelWrapper, InProcess
from autograder.grading.reference import ReferenceTimeout, prepared, reference_submission, restored_state, time_limit
from autograder.grading.runner import run_case
from autograder.isolation import wire

from .children import run_in_children
from .operators import assignment_mutants

NOT_SENT = diagnosis.NOT_SENT


@dataclass(frozen=True)
class Named:
    """A mistake a diagnosis may name: its name, the words a student reads, the files that make it."""

    name: str
    description: str
    files: dict[str, str]
    typical: bool


@dataclass(frozen=True)
class Call:
    """A request the tests sent the reference: the test case, its key in the store, the frame, the reply."""

    test: str
    case: str
    digest: str
    n: int  # how many times the same request came before, in this case
    frame: bytes
    reply: dict


def named_mistakes(assignment: Assignment) -> list[Named]:
    """The course's typical mistakes, then every mutant that can be said in words."""
    named = [Named(m.name, m.description, m.files, True) for m in typical_mistakes(assignment)]
    reference, mutants = assignment_mutants(assignment)
    named += [Named(f"mutant {m.index}", m.words, {**reference, m.file: m.source}, False) for m in mutants if m.words]
    return named


class _Recorder(ChannelWrapper):
    """A channel that records each call with the test case that sent it."""

    def __init__(self, inner):
        super().__init__(inner)
        self.calls: list[Call] = []
        self.test, self.case, self.counts = "", "", {}

    def request(self, message: dict, frame: bytes | None = None) -> dict:
        frame = frame or wire.dumps(message)
        reply = self.inner.request(message, frame)
        if message.get("op") in diagnosis.CALL_OPS:
            d = diagnosis.digest(frame)
            n = self.counts.get((self.test, self.case, d), 0)
            self.counts[self.test, self.case, d] = n + 1
            self.calls.append(Call(self.test, self.case, d, n, frame, diagnosis.plain_reply(reply)))
        return reply


def _graded_calls(assignment: Assignment, specs: list, entry, time_limit_s: float) -> tuple[list[Call], frozenset]:
    """Run the tests against `entry` in this process, case by case as a grading does: every call it was sent,
    with the case that sent it and its reply, and the tests it failed."""
    recorders, failed = [], set()

    def wrap(channel):
        recorders.append(_Recorder(channel))
        return recorders[-1]

    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                time_limit(time_limit_s) as expired:
            with reference_submission(assignment, wrap, entry) as submission:
                submission.functions()
                for spec in specs:
                    for case in spec.cases if spec.skip is None else ():
                        recorders[0].test, recorders[0].case = spec.name, case.id
                        if not run_case(spec, case, submission)[0]:
                            failed.add(spec.name)
    except ReferenceTimeout:
        expired = [True]
    if expired:
        raise AutograderError(f"{assignment.name}: {entry.student_id}'s tests did not finish within {time_limit_s:g} s")
    return recorders[0].calls, frozenset(failed)


def reference_calls(assignment: Assignment, time_limit_s: float = 120.0) -> list[Call]:
    """Every call of the public and hidden tests to the reference, in order, but those whose reply changes
    when they are sent again to a fresh reference."""
    calls, _ = _graded_calls(assignment, collect(assignment, (PUBLIC, HIDDEN)), prepared(assignment), time_limit_s)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            restored_state(assignment.files):
        again = _answers(assignment, prepared(assignment).files, calls)
    return [call for call, reply in zip(calls, again) if diagnosis.same_reply(call.reply, reply)]


def _answers(assignment: Assignment, files: dict[str, str], calls: list[Call]) -> list[dict]:
    """The replies of a fresh load of `files` to `calls`, in order."""
    entry = prepared(assignment, files, "mistake")
    with InProcess().channel(entry.files, load_request(assignment, entry)) as channel:
        channel.request({"op": "functions"})
        return [diagnosis.plain_reply(channel.request(wire.loads(c.frame[wire.HEADER.size:]), c.frame)) for c in calls]


@dataclass(frozen=True)
class Answers:
    """What one named mistake did when graded: the tests it failed, and its reply to each of the reference's
    calls that it was sent too (None for one it was not: its earlier answers changed what the tests sent)."""

    failed: frozenset
    replies: list


def _graded(assignment: Assignment, specs: list, mistake: Named, calls: list[Call], timeout_s: float) -> dict:
    """In a child: the mistake graded as a submission is, test by test; which tests it fails, what it replied."""
    sent, failed = _graded_calls(assignment, specs, prepared(assignment, mistake.files, mistake.name), timeout_s)
    replies = {(c.test, c.case, c.digest, c.n): c.reply for c in sent}
    return {"failed": sorted(failed), "replies": [replies.get((c.test, c.case, c.digest, c.n)) for c in calls]}


def record_answers(assignment: Assignment, named: list[Named], calls: list[Call], jobs: int = 2,
                   timeout_s: float = 20.0) -> list[Answers | None]:
    """What each named mistake did (see `Answers`), each in a forked child; None for one that did not finish."""
    specs = collect(assignment, (PUBLIC, HIDDEN))

    def task(mistake: Named):
        return lambda: _graded(assignment, specs, mistake, calls, timeout_s)

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            tempfile.TemporaryDirectory(prefix="ag-mistakes-", ignore_cleanup_errors=True) as workdir:
        outcomes = run_in_children([task(m) for m in named], jobs, timeout_s, workdir)
    return [Answers(frozenset(o.payload["failed"]), o.payload["replies"])
            if o.status == "ok" and len(o.payload.get("replies", ())) == len(calls) else None for o in outcomes]


class _Classes:
    """Per call, its distinct replies (the reference's first), and which of them a reply is: replies that
    agree as a diagnosis compares them are one (tried only among those alike to a few digits)."""

    def __init__(self, calls: list[Call]):
        self.distinct = [[call.reply] for call in calls]
        self.exact: list[dict[str, int]] = [{_text(call.reply): 0} for call in calls]
        self.near: list[dict[str, list[int]]] = [{_rough(call.reply): [0]} for call in calls]

    def of(self, k: int, reply: dict | None) -> int:
        """The class of a reply to call k; -1 for None, a call the mistake was not sent."""
        if reply is None:
            return NOT_SENT
        text = _text(reply)
        if text not in self.exact[k]:
            rough = _rough(reply)
            alike = self.near[k].setdefault(rough, [])
            found = next((j for j in alike if diagnosis.same_reply(self.distinct[k][j], reply)), None)
            if found is None:
                found = len(self.distinct[k])
                self.distinct[k].append(reply)
                alike.append(found)
            self.exact[k][text] = found
        return self.exact[k][text]


def _text(reply: dict) -> str:
    return json.dumps(reply, sort_keys=True, allow_nan=True)


def _rough(reply: dict) -> str:
    """A reply with every number to six significant digits: replies that agree within the store's
    tolerance almost always look alike so."""
    try:
        value = wire.from_wire(reply["ok"]) if "ok" in reply else reply
    except wire.WireError:
        return _text(reply)
    return repr(_round(value))


def _round(value):
    if hasattr(value, "detach"):
        value = value.detach().numpy()
    if isinstance(value, np.ndarray):
        return (value.dtype.kind, value.shape, np.array2string(value.astype(np.float64), precision=5, floatmode="fixed",
                                                               threshold=1 << 30, formatter={"float": lambda x: f"{x:.6g}"}))
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [_round(v) for v in value]
    if isinstance(value, dict):
        return sorted((str(k), _round(v)) for k, v in value.items())
    return value


def _kept(named: list[Named], signatures: list, answers: list, evidence) -> list[int]:
    """The mistakes worth naming: they fail a test on which they give evidence of their own, and no typical
    mistake (nor an earlier mutant with the same words) answers exactly as they do."""
    typical = {s for m, s in zip(named, signatures) if m.typical and s is not None}
    kept, seen = [], set()
    for i, (mistake, signature) in enumerate(zip(named, signatures)):
        if signature is None or not any(evidence(i, test) for test in answers[i].failed):
            continue
        if (not mistake.typical and signature in typical) or (signature, mistake.description) in seen:
            continue
        seen.add((signature, mistake.description))
        kept.append(i)
    return kept


def _weak(named: list[Named], signatures: list, answers: list, by_test: dict):
    """weak(i, test): a typical mistake fails the test answering something not the reference's (an error, a
    whole number: see `grading.diagnosis`), and no mutant that fails the same tests answers the test alike
    in other words (a grading could not tell them apart). Such evidence names it only where a student
    fails exactly its tests."""
    typical = {s for m, s in zip(named, signatures) if m.typical and s is not None}
    mutants: dict[frozenset, list[int]] = {}
    for m, (mistake, signature) in enumerate(zip(named, signatures)):
        if not mistake.typical and signature is not None and signature not in typical:
            mutants.setdefault(answers[m].failed, []).append(m)

    def weak(i: int, test: str) -> bool:
        if not named[i].typical or signatures[i] is None or test not in answers[i].failed:
            return False
        ks = by_test.get(test, ())
        if not any(signatures[i][k] > 0 for k in ks):
            return False
        return not any(named[m].description != named[i].description and
                       all(signatures[m][k] == signatures[i][k] for k in ks) for m in mutants.get(answers[i].failed, ()))

    return weak


def store_of(assignment: Assignment, named: list[Named], calls: list[Call], answers: list[Answers | None]) -> str:
    """The store's text (see `grading.diagnosis.store_text`): per test, its calls' distinct replies and which
    each mistake gave, for the mistakes that fail the test with a telling answer of their own."""
    classes = _Classes(calls)
    signatures = [tuple(classes.of(k, r) for k, r in enumerate(a.replies)) if a else None for a in answers]
    by_test: dict[str, list[int]] = {}
    for k, call in enumerate(calls):
        by_test.setdefault(call.test, []).append(k)
    informative: dict[tuple[int, int], bool] = {}

    def telling(i: int, test: str) -> bool:
        for k in by_test.get(test, ()):
            c = signatures[i][k]
            if (k, c) not in informative:
                informative[k, c] = c > 0 and diagnosis.informative(classes.distinct[k][c], classes.distinct[k][0])
            if informative[k, c]:
                return True
        return False

    weak = _weak(named, signatures, answers, by_test)

    def evidence(i: int, test: str) -> bool:
        return telling(i, test) or weak(i, test)

    kept = _kept(named, signatures, answers, evidence)
    position = {i: p for p, i in enumerate(kept)}
    tests = {}
    for test, ks in by_test.items():
        here = [i for i in kept if test in answers[i].failed and evidence(i, test)]
        if here:
            local = [{0: 0} for _ in ks]  # per call: its class -> its place among this test's replies
            chosen = {position[i]: [NOT_SENT if signatures[i][k] == NOT_SENT else
                                    local[j].setdefault(signatures[i][k], len(local[j])) for j, k in enumerate(ks)]
                      for i in here}
            tests[test] = {"calls": [[calls[k].case, calls[k].digest, calls[k].n, [classes.distinct[k][c] for c in local[j]]]
                                     for j, k in enumerate(ks)], "answers": chosen}
    mistakes = [(named[i].name, named[i].description, *([sorted(answers[i].failed)] if named[i].typical else []))
                for i in kept]
    return diagnosis.store_text(diagnosis.sources(assignment), mistakes, tests)


def mistake_store(assignment: Assignment, jobs: int = 2, timeout_s: float = 20.0) -> dict[Path, str]:
    """{path: text} of the assignment's store, recorded now; {} for an assignment without a `mistakes.toml`."""
    if not manifest_path(assignment).is_file():
        return {}
    named = named_mistakes(assignment)
    calls = reference_calls(assignment)
    answers = record_answers(assignment, named, calls, jobs, timeout_s)
    return {diagnosis.store_path(assignment): store_of(assignment, named, calls, answers)}


def stale_store(assignment: Assignment, jobs: int = 2) -> list[Path]:
    """The store, when it is missing or differs from what a release records now beyond the last bits of
    its floats (`grading.diagnosis.stores_agree`): the check of `release --check`."""
    stale = []
    for path, text in mistake_store(assignment, jobs).items():
        if not path.is_file() or not diagnosis.stores_agree(path.read_text("utf-8"), text):
            stale.append(path)
    return stale


def write_store(assignment: Assignment, jobs: int = 2) -> list[Path]:
    """Record and write the store; its path (none without a `mistakes.toml`)."""
    written = []
    for path, text in mistake_store(assignment, jobs).items():
        path.write_text(text, "utf-8")
        written.append(path)
    return written
