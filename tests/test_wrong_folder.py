"""A folder of another assignment's work is a usage error before anything is graded, naming the assignment
its files look like; a class with a stray entry of another assignment is graded as usual."""
import textwrap

import pytest
from click.testing import CliRunner

from autograder.api import grade_batch
from autograder.cli import main
from autograder.core.errors import AutograderError
from autograder.exitcodes import ExitCode
from autograder.isolation.sandbox import Limits
from tests.conftest import write_class

LIMITS = Limits(call_timeout_s=5, submission_timeout_s=15, cpu_s=15)

ROOTS_TOML = """
title = "Toy: roots"
files = ["roots.py"]
[tests]
test_sqrt_values = 1
"""
ROOTS_TEST = '''
import numpy as np
from autograder.testing import close

def test_sqrt_values(submission):
    """sqrt(x) is the square root of each element."""
    x = np.arange(4.0)
    assert close(submission.sqrt(x), np.sqrt(x))
'''
ROOTS_REFERENCE = '''
import numpy as np


def sqrt(x):
    """Elementwise square root."""
    # BEGIN SOLUTION: return the square root of x, elementwise
    return np.sqrt(x)
    # END SOLUTION


def fourth_root(x):
    """Elementwise fourth root."""
    # BEGIN SOLUTION: return the fourth root of x, elementwise
    return np.sqrt(sqrt(x))
    # END SOLUTION
'''


@pytest.fixture
def two_assignments(toy_course):
    """The toy course (toy: toy.py with square and cube) and a second assignment, roots (roots.py)."""
    from autograder.authoring.release import write_release
    from autograder.core.course import load_assignment

    folder = toy_course / "assignments" / "roots"
    (folder / "public").mkdir(parents=True)
    (folder / "hidden").mkdir()
    (folder / "assignment.toml").write_text(ROOTS_TOML)
    (folder / "hidden" / "test_hidden.py").write_text(textwrap.dedent(ROOTS_TEST))
    (toy_course / "reference" / "roots").mkdir(parents=True)
    (toy_course / "reference" / "roots" / "roots.py").write_text(ROOTS_REFERENCE)
    write_release(load_assignment(folder, toy_course))
    return toy_course


def test_a_folder_of_another_assignments_work_is_refused_before_grading(two_assignments, tmp_path):
    subs = write_class(tmp_path / "subs", two_assignments, {"amy": "@reference", "bo": "@template", "cy": "@reference"})
    folder = subs / "di"  # a folder entry: its file's name says which assignment it is
    folder.mkdir()
    (folder / "toy.py").write_text("def square(x):\n    return x * x\n")
    out = tmp_path / "out"
    with pytest.raises(AutograderError) as info:
        grade_batch("roots", subs, out, limits=LIMITS)
    message = str(info.value)
    assert "none of the 4 entries holds roots.py (or roots.ipynb)" in message, message
    assert "they look like toy's (toy.py)" in message and f"autograder grade toy {subs} --out {out}" in message
    assert not out.exists()  # refused before the output folder is touched


def test_the_cli_exits_2_for_the_wrong_folder(two_assignments, tmp_path):
    subs = write_class(tmp_path / "subs", two_assignments, {"amy": "@reference", "bo": "@reference"})
    result = CliRunner().invoke(main, ["grade", "roots", str(subs), "--out", str(tmp_path / "out")])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "they look like toy's (toy.py)" in result.output


def test_a_stray_entry_of_another_assignment_does_not_stop_the_class(two_assignments, tmp_path):
    reference = (two_assignments / "reference" / "roots" / "roots.py").read_text()
    subs = write_class(tmp_path / "subs", two_assignments, {"amy": "@reference", "bo": reference})
    batch = grade_batch("roots", subs, tmp_path / "out", limits=LIMITS)
    scores = {r.student_id: r.score for r in batch.results}
    assert scores == {"amy": 0.0, "bo": 1.0}


def test_work_that_looks_like_no_assignment_is_graded(two_assignments, tmp_path):
    subs = write_class(tmp_path / "subs", two_assignments, {"amy": "x = 1\n", "bo": "def nothing_asked():\n    pass\n"})
    batch = grade_batch("roots", subs, tmp_path / "out", limits=LIMITS)
    assert sorted(r.student_id for r in batch.results) == ["amy", "bo"]  # graded (zero), not refused
