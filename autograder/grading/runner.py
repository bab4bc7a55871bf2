"""Run an assignment's tests against one submission; outcomes are values, never exceptions.

The tests run here, in the grader's process; the student's code runs behind
the `submission` fixture (see `protocol`). A student-visible message never
carries an expected value: it is the test's hint (its docstring), the
author's own `assert ..., "message"`, or the student's own error.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass

from autograder.core.errors import SubmissionError, SubmissionTimeout, TimeUsedUp
from autograder.core.results import TestOutcome
from autograder.core.status import Outcome, Status
from autograder.grading.collect import Case, TestSpec
from autograder.grading.protocol import Submission
from autograder.grading.testing import Shape

PASSED, FAILED, PARTIAL, SKIPPED, NOT_RUN = (Outcome.PASSED, Outcome.FAILED, Outcome.PARTIAL, Outcome.SKIPPED,
                                             Outcome.NOT_RUN)
TIME_USED_UP = "not run: the time for all your tests together was used up before this test"


@dataclass(frozen=True)
class TestRun:
    """What running the tests against a loaded submission gave: `grading.one` makes the result row of it."""

    __test__ = False  # not a pytest test class, whatever its name

    status: Status
    message: str
    outcomes: tuple[TestOutcome, ...]
    notes: tuple[str, ...] = ()
    timeouts: tuple[str, ...] = ()  # what ran past a time limit (a call, the submission's total), once each


def _failure_message(spec: TestSpec, exc: BaseException) -> str:
    """A student-safe explanation of why one case failed."""
    hint = spec.hint
    if isinstance(exc, SubmissionError):
        return f"{exc.args[0]}\nWhat this test checks: {hint}"
    if isinstance(exc, Shape):
        return f"{exc.args[0]}\nWhat this test checks: {hint}"
    if isinstance(exc, AssertionError):
        frames = traceback.extract_tb(exc.__traceback__)
        own_assert = bool(frames) and frames[-1].filename == spec.func.__code__.co_filename
        if own_assert and exc.args and str(exc.args[0]).strip():
            return str(exc.args[0])
        return hint
    return f"{hint}\n(your result could not be checked: {type(exc).__name__})"


def run_case(spec: TestSpec, case: Case, submission: Submission) -> tuple[bool, BaseException | None]:
    try:
        spec.func(submission=submission, **case.params)
    except Exception as exc:  # an outcome, not a crash
        return False, exc
    return True, None


def run_spec(spec: TestSpec, submission: Submission, deadline: float | None = None, watch=None) -> TestOutcome:
    """Run every case of one test; points are shared equally among its cases. A test none of whose cases ran
    (the submission's time was used up first) is `NOT_RUN`, never a failure. `watch` (a `diagnosis.Watch`
    around the submission's channel) is told where each case begins."""
    start = time.perf_counter()
    if spec.skip is not None:
        return TestOutcome(spec.name, spec.visibility, 0.0, spec.points, SKIPPED, spec.skip, 0.0)
    passed = ran = 0
    message = ""
    for case in spec.cases:
        if deadline is not None and time.monotonic() > deadline:
            break
        if watch is not None:
            watch.begin(spec.name, case.id)
        ok, exc = run_case(spec, case, submission)
        if isinstance(exc, TimeUsedUp):
            break
        passed, ran = passed + ok, ran + 1
        if not ok and not message:
            message = _failure_message(spec, exc)
            if case.id:
                message = f"[case {case.id}] {message}"
        if isinstance(exc, SubmissionTimeout):
            break  # the other cases would time out too; don't spend the budget on them
    n = len(spec.cases)
    outcome = PASSED if passed == n else PARTIAL if passed else FAILED if ran else NOT_RUN
    if outcome != PASSED and not message:
        message = TIME_USED_UP
    return TestOutcome(spec.name, spec.visibility, round(spec.points * passed / n, 6), spec.points,
                       outcome, message, round(time.perf_counter() - start, 6))


def not_run(specs: list[TestSpec], message: str) -> tuple[TestOutcome, ...]:
    """Every test not run, with one message: for a submission whose tests could not run at all."""
    return tuple(TestOutcome(s.name, s.visibility, 0.0, s.points, NOT_RUN, message, 0.0) for s in specs)


def run_tests(specs: list[TestSpec], submission: Submission, deadline: float | None = None, watch=None) -> TestRun:
    """Load the submission, then run every test; a load failure fails every test with its reason. With a
    `watch`, each failed test gets the diagnosis its answers give, once all have run."""
    try:
        loaded = submission.functions()
    except SubmissionError as exc:
        return TestRun(exc.status, exc.args[0], not_run(specs, exc.args[0]))
    outcomes = tuple(run_spec(s, submission, deadline, watch) for s in specs)
    outcomes = watch.diagnosed(outcomes) if watch is not None else outcomes
    if any(o.outcome == NOT_RUN for o in outcomes) and TIME_USED_UP not in submission.timeouts:
        submission.timeouts.append(TIME_USED_UP)
    return TestRun(Status.GRADED, "", outcomes, tuple(str(n)[:400] for n in loaded.get("notes", [])[:50]),
                   tuple(submission.timeouts))
