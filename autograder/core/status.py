"""One type for what became of a submission, one for what became of a test: every label is derived from them.

Both are `str` enums: a saved result, a CSV cell and a comparison with the plain word all see the same value.
"""
from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    """What became of a submission as a whole (the `status` of its row)."""

    GRADED = "graded"  #: its tests ran (whatever they gave)
    INVALID = "invalid"  #: its files could not be read as a submission
    LOAD_ERROR = "load_error"  #: its file raised while being imported
    FORBIDDEN_IMPORT = "forbidden_import"  #: it imports a module the assignment forbids: refused before it ran
    TIMEOUT = "timeout"  #: importing it took longer than a call may
    CRASHED = "crashed"  #: its process ended, or broke the protocol, while importing it
    GRADER_ERROR = "grader_error"  #: the grader failed, twice: not graded, and no score

    @property
    def graded(self) -> bool:
        """Its tests ran: the row is graded, for the exit code and the report alike."""
        return self is Status.GRADED

    @property
    def has_score(self) -> bool:
        """False only where the grader failed: its 0 points are no grade, and no report may show them as one."""
        return self is not Status.GRADER_ERROR

    @property
    def explanation(self) -> str:
        """What the student reads about it."""
        return _EXPLANATIONS[self]

    def __str__(self) -> str:
        return self.value


_EXPLANATIONS = {
    Status.GRADED: "graded",
    Status.INVALID: "not graded: the submission could not be read",
    Status.LOAD_ERROR: "your file could not be imported, so no test could run",
    Status.FORBIDDEN_IMPORT: "your file imports a module this assignment forbids",
    Status.TIMEOUT: "your file did not finish importing in time",
    Status.CRASHED: "the process running your file ended while importing it",
    Status.GRADER_ERROR: "not graded: the grader failed (not your fault); your instructor has been told",
}


class Outcome(str, Enum):
    """What became of one test (all its parameter cases together)."""

    PASSED = "passed"
    FAILED = "failed"
    PARTIAL = "partial"
    SKIPPED = "skipped"  #: the test's author skipped it
    NOT_RUN = "not_run"  #: it never ran: the submission's time was used up first, or its code could not be loaded

    @property
    def mark(self) -> str:
        """The four characters `autograder check` prints."""
        return {"passed": "PASS", "failed": "FAIL", "partial": "PART", "skipped": "SKIP", "not_run": "----"}[self.value]

    @property
    def label(self) -> str:
        """How the feedback and the reports show it."""
        return {"passed": "✅ passed", "failed": "❌ failed", "partial": "🟡 partly passed",
                "skipped": "⏭ skipped", "not_run": "⏸ not run"}[self.value]

    def __str__(self) -> str:
        return self.value


NOT_GRADED_OUTCOME = "not graded"  # tests.csv's outcome of every test of a row the grader failed to grade
