"""Run an assignment's tests against one submission; outcomes are values, never exceptions.

The tests run here, in the grader's process; the student's code runs behind
the `submission` fixture (see `protocol`). A student-visible message never
carries an expected value: it is the test's hint (its docstring), the
author's own `assert ..., "message"`, or the student's own error.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field

from autograder.grading.collect import Case, TestSpec
from autograder.core.errors import LoadFailed, SubmissionError, SubmissionTimeout
from autograder.grading.protocol import Submission
from autograder.grading.testing import Shape

PASSED, FAILED, PARTIAL, SKIPPED = "passed", "failed", "partial", "skipped"
GRADER_ERROR = "grader_error"  # the grader's own failure: the row is not graded and has no score


@dataclass(frozen=True)
class TestOutcome:
    """One test function's result for one submission (all its parameter cases together)."""

    __test__ = False  # not a pytest test class, whatever its name

    test: str
    visibility: str
    points: float
    max_points: float
    outcome: str
    message: str
    duration_s: float


@dataclass(frozen=True)
class SubmissionResult:
    """Everything the grader learnt about one submission."""

    student_id: str
    status: str
    message: str
    outcomes: tuple[TestOutcome, ...]
    duration_s: float
    output: str = ""
    digest: str = ""
    extra: dict = field(default_factory=dict)
    isolation: str = ""  # the sandbox backend that ran it (see `confine`); "" when nothing ran

    @property
    def score(self) -> float:
        return round(sum(o.points for o in self.outcomes), 6)

    @property
    def max_score(self) -> float:
        return round(sum(o.max_points for o in self.outcomes), 6)

    @property
    def has_score(self) -> bool:
        """False when the grader itself failed: its 0 points are no grade, and no report may show them as one."""
        return self.status != GRADER_ERROR


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


def run_spec(spec: TestSpec, submission: Submission, deadline: float | None = None) -> TestOutcome:
    """Run every case of one test; points are shared equally among its cases."""
    start = time.perf_counter()
    if spec.skip is not None:
        return TestOutcome(spec.name, spec.visibility, 0.0, spec.points, SKIPPED, spec.skip, 0.0)
    passed, message = 0, ""
    for case in spec.cases:
        if deadline is not None and time.monotonic() > deadline:
            message = message or "not run: the submission used up its total time limit"
            break
        ok, exc = run_case(spec, case, submission)
        passed += ok
        if not ok and not message:
            message = _failure_message(spec, exc)
            if case.id:
                message = f"[case {case.id}] {message}"
        if isinstance(exc, SubmissionTimeout):
            break  # the other cases would time out too; don't spend the budget on them
    n = len(spec.cases)
    outcome = PASSED if passed == n else PARTIAL if passed else FAILED
    return TestOutcome(spec.name, spec.visibility, round(spec.points * passed / n, 6), spec.points,
                       outcome, message, round(time.perf_counter() - start, 6))


def not_run(specs: list[TestSpec], message: str) -> tuple[TestOutcome, ...]:
    """Every test failed with one message: for a submission whose tests could not run at all."""
    return tuple(TestOutcome(s.name, s.visibility, 0.0, s.points, FAILED, message, 0.0) for s in specs)


def run_tests(specs: list[TestSpec], submission: Submission, student_id: str = "",
              deadline: float | None = None) -> SubmissionResult:
    """Load the submission, then run every test; a load failure fails every test with its reason."""
    start = time.perf_counter()
    try:
        loaded = submission.functions()
    except LoadFailed as exc:
        return SubmissionResult(student_id, "load_error", exc.args[0], not_run(specs, exc.args[0]),
                                round(time.perf_counter() - start, 6))
    except SubmissionError as exc:
        return SubmissionResult(student_id, exc.status, exc.args[0], not_run(specs, exc.args[0]),
                                round(time.perf_counter() - start, 6))
    outcomes = tuple(run_spec(s, submission, deadline) for s in specs)
    notes = [str(n)[:400] for n in loaded.get("notes", [])[:50]]
    return SubmissionResult(student_id, "graded", "", outcomes, round(time.perf_counter() - start, 6),
                            extra={"notes": notes} if notes else {})
