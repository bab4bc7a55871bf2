"""Calls sent ahead: the tests' calls, known before a submission runs, go to its process in one message.

The tests call a submission's code about a hundred times, and one call at a
time costs a round trip: two process wake-ups and ~0.3 ms, more than many
calls take to run. Most calls do not depend on any answer: their arguments
are the test's own data. So before grading, the tests run against the
reference in the grader's process, twice: as they are, and with every number
the reference returns nudged by a few units in the last place (within any
test's tolerance). Per test case, the calls that are the same in both runs,
up to the first that differs, depend on no answer; in order, they are the
plan. A call whose arguments come from an answer would change with the
nudge, so it is never planned: no reference value ever reaches a student.

The student's process gets the plan with the tests' first call and answers
every planned call in order, as fast as it can, while the grader reads the
answers as the tests ask for them (see `sandbox.SandboxChannel`). A test that
goes another way (it failed early, or asks something unplanned) reads on or
calls as before: a student is graded exactly as without the plan, except that
a planned call runs even when a failed test no longer needs its answer.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import numpy as np

from autograder.core.course import Assignment
from autograder.grading.collect import TestSpec
from autograder.grading.protocol import ChannelWrapper
from autograder.grading.reference import ReferenceTimeout, reference_submission, time_limit
from autograder.grading.runner import run_case
from autograder.isolation import wire

EPS = float(np.finfo(np.float64).eps)
MAX_PLAN_BYTES = 32 * 2**20  # a plan this big would cost the student's process more memory than it saves time


@dataclass(frozen=True)
class Plan:
    """The planned requests, each as the frame the grader would send, and all of them as one message."""

    frames: tuple[bytes, ...]
    message: bytes
    positions: dict  # frame -> the indices where it occurs, in order

    def __len__(self) -> int:
        return len(self.frames)


def make_plan(frames: list[bytes]) -> Plan | None:
    """The plan of `frames` (requests, in order); None when there is nothing to plan."""
    kept, size = [], 0
    for frame in frames:
        size += len(frame)
        if size > MAX_PLAN_BYTES:
            break
        kept.append(frame)
    if not kept:
        return None
    calls = [wire.loads(frame[wire.HEADER.size:]) for frame in kept]
    positions: dict[bytes, tuple[int, ...]] = {}
    for i, frame in enumerate(kept):
        positions[frame] = (*positions.get(frame, ()), i)
    return Plan(tuple(kept), wire.dumps({"op": "plan", "calls": calls}), positions)


class _Recorder(ChannelWrapper):
    """A channel that keeps each request's frame, and may nudge every number in the replies."""

    def __init__(self, inner, nudge: bool):
        super().__init__(inner)
        self.nudge = nudge
        self.frames: list[bytes] = []

    def request(self, message: dict, frame: bytes | None = None) -> dict:
        frame = frame or wire.dumps(message)
        reply = self.inner.request(message, frame)
        if message.get("op") != "functions":
            self.frames.append(frame)
        if self.nudge and "ok" in reply:
            reply = {"ok": _nudge(reply["ok"])}
        return reply


def _nudge(data):
    """Wire data with every float (and every float array's entries) moved by a few units in the last place."""
    if type(data) is float:
        return data + (abs(data) + 1.0) * 4 * EPS
    if type(data) is list:
        return [_nudge(v) for v in data]
    if type(data) is not dict or len(data) != 1:
        return data
    ((tag, body),) = data.items()
    if tag in ("$array", "$tensor") and type(body) is dict and body.get("dtype", "").startswith("float"):
        array = wire.from_wire({"$array": {k: body[k] for k in ("dtype", "shape", "data")}})
        with np.errstate(all="ignore"):
            moved = np.asarray(array + (np.abs(array) + 1) * 4 * np.finfo(array.dtype).eps, dtype=array.dtype)
        return {tag: {**body, **wire.to_wire(moved.reshape(array.shape))["$array"]}}
    if tag == "$tuple":
        return {tag: _nudge(body)}
    if tag == "$dict" and type(body) is list:
        return {tag: [[pair[0], _nudge(pair[1])] if type(pair) is list and len(pair) == 2 else pair for pair in body]}
    return data


def _case_frames(assignment: Assignment, specs: list[TestSpec], nudge: bool) -> list[list[bytes]]:
    """The request frames of each test case, in the order grading runs them, against the reference."""
    per_case: list[list[bytes]] = []
    recorders: list[_Recorder] = []

    def wrap(channel):
        recorders.append(_Recorder(channel, nudge))
        return recorders[-1]

    with reference_submission(assignment, wrap) as submission:
        submission.functions()  # a reference that does not import raises here: no plan
        for spec in specs:
            if spec.skip is not None:
                continue
            for case in spec.cases:
                start = len(recorders[0].frames)
                run_case(spec, case, submission)
                per_case.append(recorders[0].frames[start:])
    return per_case


def record_plan(assignment: Assignment, specs: list[TestSpec], time_limit_s: float = 60.0) -> Plan | None:
    """The plan for `specs`, from two runs against the reference here; None without a reference, or when
    the reference cannot be run (it does not import, it hangs): grading then makes one call at a time."""

    if not all((assignment.reference_dir / name).is_file() for name in assignment.files):
        return None
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                time_limit(time_limit_s) as expired:
            plain = _case_frames(assignment, specs, nudge=False)
            nudged = _case_frames(assignment, specs, nudge=True)
    except (Exception, ReferenceTimeout):  # noqa: BLE001 (the plan only saves time: never fail a run for it)
        return None
    if expired:
        return None
    frames = []
    for ours, theirs in zip(plain, nudged):
        for a, b in zip(ours, theirs):
            if a != b:
                break
            frames.append(a)
    return make_plan(frames)
