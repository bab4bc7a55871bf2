"""The report files and summaries: a grader failure is never a grade; what a student wrote stays inert."""
import csv
import io
import re

import pandas as pd
import pytest

from autograder.course import get_assignment
from autograder.grading import BatchResult
from autograder.outputs import write_outputs
from autograder.render import batch_summary
from autograder.runner import SubmissionResult, TestOutcome

FAILURE = "not graded: the grader failed; tell your instructor"


def _result(sid, status, earned, message="", output="", extra=None):
    """A row of the toy assignment: `earned` of each test's points."""
    points = get_assignment("toy").points
    outcomes = tuple(TestOutcome(t, "hidden", p * earned, p, "passed" if earned else "failed",
                                 "" if earned else message or FAILURE, 0.01) for t, p in points.items())
    return SubmissionResult(sid, status, message, outcomes, 0.1, output, "d" * 16, extra or {})


@pytest.fixture
def with_a_grader_failure(toy_course, tmp_path):
    results = [_result("amy", "graded", 1.0), _result("bo", "grader_error", 0.0, "OSError: no space left on device"),
               _result("cy", "load_error", 0.0, "toy.py could not be imported: SyntaxError")]
    out = tmp_path / "out"
    write_outputs(get_assignment("toy"), results, out)
    return results, out


def test_a_grader_failure_has_no_score_in_grades_and_tests(with_a_grader_failure):
    _, out = with_a_grader_failure
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}
    tests = ["test_square_shape", "test_square_values", "test_cube_values"]
    assert rows["bo"]["score"] == "" and [rows["bo"][t] for t in tests] == ["", "", ""]
    assert rows["bo"]["status"] == "grader_error" and rows["bo"]["max_score"] == "4.0"
    assert float(rows["cy"]["score"]) == 0 and [float(rows["cy"][t]) for t in tests] == [0, 0, 0]  # own failure: 0
    long = pd.read_csv(out / "tests.csv").groupby("student_id")
    assert long.get_group("bo")["points"].isna().all() and set(long.get_group("bo")["outcome"]) == {"not graded"}
    assert (long.get_group("cy")["points"] == 0).all()


def test_a_grader_failure_is_not_graded_in_feedback_report_and_summary(with_a_grader_failure, tmp_path):
    results, out = with_a_grader_failure
    feedback = (out / "feedback" / "bo.md").read_text()
    assert "**Score: not graded**" in feedback and "0 / 4" not in feedback and "0 / 1" not in feedback
    report = (out / "report.html").read_text()
    assert "<b>2.00</b>mean score" in report  # amy 4 and cy 0; bo has no score
    assert "<b>1</b>full marks" in report
    batch = BatchResult(get_assignment("toy"), results, out, 0, 1.0)
    summary = batch_summary(batch)
    assert "scores: mean 2.00 / 4, median 4, full marks 1, zero 1, not graded 1" in summary
    assert "! bo: grader_error (not graded, no score): OSError: no space left on device" in summary


def test_check_says_not_graded_for_a_grader_failure(toy_course):
    from autograder.render import format_check

    text = format_check(_result("bo", "grader_error", 0.0, "OSError: boom"))
    assert "not graded" in text and "0/4 points" not in text
