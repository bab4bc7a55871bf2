"""Exceptions named for what went wrong (the bottom of the package: it imports only `core.status`).

The `SubmissionError` family is raised on the grader's side by the
`submission` fixture when the student's process did not return a usable
value; the runner turns each into a failed test with a clear message.
"""
from autograder.core.status import Status


class AutograderError(Exception):
    """A problem with the grader's input (course, assignment, folder): a usage error."""


class SubmissionError(Exception):
    """The student's code did not give back a value the tests can use."""

    status = Status.CRASHED  # a reply the protocol does not know: the process misbehaved


class LoadFailed(SubmissionError):
    """The submitted file could not be imported (syntax error, exception at import)."""

    status = Status.LOAD_ERROR


class ForbiddenImport(SubmissionError):
    """The submitted code imports a module the assignment forbids: refused before any of it ran."""

    status = Status.FORBIDDEN_IMPORT


class MissingFunction(SubmissionError):
    """The submitted module has no function (or probe) of the requested name."""


class StudentException(SubmissionError):
    """The student's function raised an exception."""


class BadReturn(SubmissionError):
    """The student's function returned something that cannot be sent back as data."""


class SubmissionTimeout(SubmissionError):
    """A call, or the whole submission, ran past its time limit."""

    status = Status.TIMEOUT


class CallTimeout(SubmissionTimeout):
    """One call ran past the time limit of a call (its process is ended; the next call starts another)."""


class TimeUsedUp(SubmissionTimeout):
    """The call was not made: the submission had used up its total time already."""


class SubmissionCrashed(SubmissionError):
    """The student's process died or broke the protocol."""

    status = Status.CRASHED


class GraderFailed(BaseException):
    """The grader's own machinery failed (a keeper or the zygote ended, a broken socket): never the student's
    fault, so never a failed test. A BaseException, so that a test's own `except Exception` cannot take it
    for the student's error; `grading.one` grades the submission again."""
