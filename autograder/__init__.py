"""An auto-grader for a course on backpropagation: isolated, unforgeable, fast.

Kept light on purpose: the warm process that student code is forked from
imports `autograder.child` and `autograder.wire`, and through this file
nothing else.
"""

__version__ = "0.1.0"
