import pytest

from autograder.core.course import get_assignment
from autograder.core.errors import AutograderError
from autograder.grading.collect import HIDDEN, PUBLIC, collect


def test_cases_expand_parametrize_with_ids_and_points(toy_course):
    specs = {s.name: s for s in collect(get_assignment("toy"))}
    assert [c.id for c in specs["test_square_shape"].cases] == ["1", "3"]
    assert [c.id for c in specs["test_square_values"].cases] == ["0-2", "five"]
    assert specs["test_square_values"].cases[1].params == {"seed": 1, "n": 5}
    assert specs["test_square_values"].points == 2 and specs["test_square_values"].visibility == HIDDEN
    assert specs["test_square_shape"].visibility == PUBLIC
    assert specs["test_cube_values"].hint == "cube(x) multiplies x by its square."


def test_public_only_collects_no_hidden_test(toy_course):
    assert {s.visibility for s in collect(get_assignment("toy"), (PUBLIC,))} == {PUBLIC}


@pytest.mark.parametrize("body, problem", [
    ("def test_unpointed(submission):\n    'hint'\n", "no points"),
    ("def test_square_shape(submission):\n    pass\n", "needs a docstring"),
    ("def test_square_shape(submission, tmp_path):\n    'hint'\n", "unsupported fixtures: tmp_path"),
    ("raise ImportError('boom')\n", "cannot import test file"),
])
def test_badly_written_tests_are_refused_clearly(toy_course, body, problem):
    (toy_course / "assignments" / "toy" / "public" / "test_public.py").write_text(body)
    with pytest.raises(AutograderError, match=problem):
        collect(get_assignment("toy"))


def test_points_for_a_test_that_does_not_exist_are_refused(toy_course):
    toml = toy_course / "assignments" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text().replace("test_cube_values = 1", "test_cube_values = 1\ntest_gone = 3"))
    with pytest.raises(AutograderError, match="unknown tests: test_gone"):
        collect(get_assignment("toy"))


def test_unknown_assignment_lists_the_known_ones(toy_course):
    with pytest.raises(AutograderError, match="unknown assignment 'hw9'; known assignments: toy"):
        get_assignment("hw9")
