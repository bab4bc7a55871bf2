"""Every exit code the CLI can return, in one place."""
from enum import IntEnum


class ExitCode(IntEnum):
    """What `autograder` returns to the shell. A low score is not an error."""

    OK = 0  #: everything asked was done (whatever the scores)
    NOT_GRADED = 1  #: some submissions could not be graded at all; report still written
    USAGE = 2  #: bad arguments or input; nothing was graded
    TESTS_FAILED = 3  #: `check`: some public tests failed
