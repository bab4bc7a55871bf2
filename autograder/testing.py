"""What a test file imports: `from autograder.testing import as_array, close, oracle, lazy_import`.

The public name of `autograder.grading.testing`: test files of a course depend on this path only.
"""
from autograder.grading.testing import Shape, as_array, as_float, close, lazy_import, oracle

__all__ = ["Shape", "as_array", "as_float", "close", "lazy_import", "oracle"]
