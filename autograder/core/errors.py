"""Exceptions named for what went wrong.

The `SubmissionError` family is raised on the grader's side by the
`submission` fixture when the student's process did not return a usable
value; the runner turns each into a failed test with a clear message.
"""


class AutograderError(Exception):
    """A problem with the grader's input (course, assignment, folder): a usage error."""


class SubmissionError(Exception):
    """The student's code did not give back a value the tests can use."""

    status = "error"


class LoadFailed(SubmissionError):
    """The submitted file could not be imported (syntax error, exception at import)."""

    status = "load_error"


class ForbiddenImport(SubmissionError):
    """The submitted code imports a module the assignment forbids: refused before any of it ran."""

    status = "forbidden_import"


class MissingFunction(SubmissionError):
    """The submitted module has no function (or probe) of the requested name."""

    status = "missing_function"


class StudentException(SubmissionError):
    """The student's function raised an exception."""

    status = "raised"


class BadReturn(SubmissionError):
    """The student's function returned something that cannot be sent back as data."""

    status = "bad_return"


class SubmissionTimeout(SubmissionError):
    """A call, or the whole submission, ran past its time limit."""

    status = "timeout"


class SubmissionCrashed(SubmissionError):
    """The student's process died or broke the protocol."""

    status = "crashed"


class GraderFailed(BaseException):
    """The grader's own machinery failed (a keeper or the zygote ended, a broken socket): never the student's
    fault, so never a failed test. A BaseException, so that a test's own `except Exception` cannot take it
    for the student's error; the sandbox grades the submission again."""
