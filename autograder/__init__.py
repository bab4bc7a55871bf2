"""An auto-grader for a course on backpropagation: isolated, unforgeable, fast.

Kept light on purpose: the warm process that student code is forked from
imports `autograder.isolation.child` and `autograder.isolation.wire`, and through this file
nothing else.
"""

__version__ = "0.1.0"


def check(assignment: str | None = None, path: str | None = None):
    """Run the public tests from a notebook cell: `from autograder import check; check("hw2")` checks the
    notebook it runs in, as saved (or name a file: `check("hw2", "backprop.py")`).

    Prints what `autograder check` prints; returns a short summary (its `.result`: the full result).
    """
    from autograder.selfcheck import check as _check  # noqa: PLC0415 (keep this package light to import)

    return _check(assignment, path)
