"""The one result type: what the grader learnt about one submission, and about each of its tests.

Built in one place (`grading.one`), saved and read back as JSON (`grading.store`), read by every report.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from autograder.core.status import Outcome, Status


@dataclass(frozen=True)
class TestOutcome:
    """One test function's result for one submission (all its parameter cases together)."""

    __test__ = False  # not a pytest test class, whatever its name

    test: str
    visibility: str
    points: float
    max_points: float
    outcome: Outcome
    message: str
    duration_s: float
    diagnosis: str = ""  # the misconception its answers show, in words (`grading.diagnosis`); "" when none is clear


@dataclass(frozen=True)
class SubmissionResult:
    """Everything the grader learnt about one submission."""

    student_id: str
    status: Status
    message: str
    outcomes: tuple[TestOutcome, ...]
    duration_s: float
    output: str = ""
    digest: str = ""
    extra: dict = field(default_factory=dict)
    isolation: str = ""  # the sandbox backend that ran it (see `isolation.confine`); "" when nothing ran

    @property
    def score(self) -> float:
        return round(sum(o.points for o in self.outcomes), 6)

    @property
    def max_score(self) -> float:
        return round(sum(o.max_points for o in self.outcomes), 6)

    @property
    def has_score(self) -> bool:
        """False when the grader itself failed: its 0 points are no grade, and no report may show them as one."""
        return Status(self.status).has_score

    @property
    def graded(self) -> bool:
        return Status(self.status).graded


@dataclass(frozen=True)
class WrittenCount:
    """How far the scoring of a class's written answers has come (one per student and question): made by the
    review sheet's writer, carried by a batch's result, printed in the summary."""

    answers: int
    scored: int  # with a valid score typed into the sheet
    unanswered: int  # no answer and no score: `merge-manual` scores them 0 (unless --no-auto-zero)
