"""The sandbox's own guarantees that the attack battery does not cover."""
import pytest

from autograder.collect import collect
from autograder.course import get_assignment
from autograder.sandbox import Sandbox
from autograder.submissions import read_entry
from tests.conftest import write_class


def test_an_allowed_path_under_tmp_stays_visible_above_the_fresh_tmp(toy_course, tmp_path):
    """A checkout (and its venv) under /tmp must still be readable inside: the fresh /tmp goes below the binds."""
    library = tmp_path / "site"  # tmp_path lives under /tmp
    library.mkdir()
    (library / "marker.txt").write_text("visible")
    student = "def square(x):\n    return open(%r).read()\n" % str(library / "marker.txt")
    subs = write_class(tmp_path / "subs", toy_course, {"reader": student})
    assignment = get_assignment("toy")
    with Sandbox() as sandbox:
        if not sandbox.isolated:
            pytest.fail(f"this test needs full isolation (root): {sandbox.warning}")
        sandbox._bind_paths.append(str(library))
        result = sandbox.grade(assignment, collect(assignment), read_entry(assignment, "reader", subs / "reader.py"))
    messages = " ".join(o.message for o in result.outcomes)
    assert "FileNotFoundError" not in messages and "should be numeric" in messages
