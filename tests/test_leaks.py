"""The leak check: no value that a test checks is ever an argument to the student's code (`release --check`)."""
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

from autograder.authoring.leaks import Answer, Call, Returned, find_leaks
from autograder.authoring.release import leaked_arguments, write_release
from autograder.cli import main
from autograder.core.course import list_assignments, load_assignment
from autograder.isolation import wire

X = np.array([0.31415926, -1.27182818, 0.57721566])  # no short literals: those are trivial


def call(*args, test="test_x", function="f", **kwargs):
    return Call(test, function, wire.to_wire(list(args)), {k: wire.to_wire(v) for k, v in kwargs.items()})


def answer(value, source="an oracle"):
    return Answer(wire.to_wire(value), source)


def test_an_oracle_value_passed_to_the_student_is_a_leak_with_its_position():
    leaks = find_leaks([call(X), answer({"g": X ** 3}), call(X, {"w": X ** 3}, function="check")])
    assert [(leak.function, leak.position, leak.source) for leak in leaks] == [("check", "argument 2['w']", "an oracle")]


def test_an_entry_of_an_answer_passed_as_a_number_is_a_leak():
    leaks = find_leaks([answer(X ** 3), call(float((X ** 3)[1]), lr=0.5)])
    assert [leak.position for leak in leaks] == ["argument 1"]


def test_the_students_own_answers_may_go_back_to_it():
    nudged = X ** 2 + 1e-15
    events = [call(X), answer(X ** 2, "the reference's reply"), Returned(wire.to_wire(nudged)),
              call(nudged), call(nudged[1:])]  # the answer itself, and a slice of it
    assert find_leaks(events) == []


def test_the_tests_own_data_may_equal_an_answer_it_came_before():
    """d(a*b)/da is b: an input that an oracle later returns is still the test's own input."""
    events = [call([0.71234567, -1.34567891]), answer([-1.34567891, 0.71234567]), call([0.71234567, -1.34567891], test="test_y")]
    assert find_leaks(events) == []


def test_trivial_values_are_never_findings():
    events = [answer({"a": 0.0, "b": 1.0, "c": 3.0, "d": 0.5, "e": np.zeros(3), "f": np.array([]), "g": True}),
              call(0.0, 1.0, 3.0, 0.5, np.zeros(3), np.array([]), True, 7)]
    assert find_leaks(events) == []


def test_one_finding_per_argument_of_a_call():
    leaks = find_leaks([answer(X), call([[float(X[0]), float(X[1])]])])
    assert [leak.position for leak in leaks] == ["argument 1[0][0]"]


LEAKING = '''
import numpy as np
from autograder.testing import close, oracle


@oracle
def squares(x):
    return np.asarray(x) ** 2


def test_square_values(submission):
    """square(x) squares each element."""
    x = np.random.default_rng(0).normal(size=3)
    assert close(submission.square(x), squares(x))


def test_cube_values(submission):
    """cube(x) multiplies x by its square."""
    x = np.random.default_rng(1).normal(size=3)
    assert close(submission.square(x), squares(x))
    assert close(submission.cube(squares(x)), squares(x) ** 1.5)  # gives square's expected values away
'''

HONEST = LEAKING.replace("submission.cube(squares(x)), squares(x) ** 1.5)  # gives square's expected values away",
                         "submission.cube(submission.square(x)), squares(x) ** 3)  # its own answer back")


@pytest.fixture
def course(toy_course):
    """The toy course with hidden tests of our own: write(text) installs them and releases the assignment."""
    def write(text):
        (toy_course / "assignments" / "toy" / "hidden" / "test_hidden.py").write_text(textwrap.dedent(text))
        write_release(load_assignment(toy_course / "assignments" / "toy", toy_course))
        return load_assignment(toy_course / "assignments" / "toy", toy_course)
    return write


def test_a_test_that_passes_an_expected_value_fails_release_check(course):
    leaks = leaked_arguments(course(LEAKING))
    assert [(leak.test, leak.function, leak.position) for leak in leaks] == [("test_cube_values", "cube", "argument 1")]
    result = CliRunner().invoke(main, ["release", "--check"])
    assert result.exit_code == 1 and "leak: toy: test_cube_values: argument 1 of cube" in result.output


def test_a_test_that_passes_the_students_own_answer_passes_release_check(course):
    assert leaked_arguments(course(HONEST)) == []
    assert CliRunner().invoke(main, ["release", "--check"]).exit_code == 0


@pytest.mark.parametrize("assignment", list_assignments(), ids=lambda a: a.name)
def test_no_test_of_the_course_leaks_a_checked_value(assignment):
    assert [str(leak) for leak in leaked_arguments(assignment)] == []
