"""The grade report as DataFrames, built by pure functions from results. Rendering lives elsewhere."""
from __future__ import annotations

import pandas as pd

from autograder.core.course import Assignment
from autograder.core.results import SubmissionResult
from autograder.core.status import NOT_GRADED_OUTCOME, Outcome, Status

STUDENT_ID, SCORE, MAX_SCORE, STATUS, MESSAGE = "student_id", "score", "max_score", "status", "message"
DURATION, ISOLATION = "duration_s", "isolation"
TEST, POINTS, MAX_POINTS, OUTCOME, VISIBILITY = "test", "points", "max_points", "outcome", "visibility"
DIAGNOSIS = "diagnosis"  # the misconception a failed test's answers show, in words ("" when none is clear)
WRITTEN_PREFIX = "written:"
GRADE_COLUMNS = [STUDENT_ID, SCORE, MAX_SCORE, STATUS]
TEST_COLUMNS = [STUDENT_ID, TEST, POINTS, MAX_POINTS, OUTCOME, MESSAGE, DURATION]
GRADED = Status.GRADED
NAN = float("nan")  # an empty cell


def written_column(question_id: str) -> str:
    return f"{WRITTEN_PREFIX}{question_id}"


def grades_frame(assignment: Assignment, results: list[SubmissionResult]) -> pd.DataFrame:
    """One row per student: score, max, status, each test's points, an empty column per written question.
    A row the grader failed to grade has no score and no test points (empty cells), never zeros."""
    tests = list(assignment.points)
    rows = []
    for r in sorted(results, key=lambda r: r.student_id):
        row = {STUDENT_ID: r.student_id, SCORE: r.score if r.has_score else NAN, MAX_SCORE: assignment.max_score,
               STATUS: r.status}
        points = {o.test: o.points for o in r.outcomes}
        row.update({t: points.get(t, 0.0) if r.has_score else NAN for t in tests})
        row.update({written_column(q.id): NAN for q in assignment.questions})
        row[MESSAGE] = r.message
        row[DURATION] = r.duration_s
        row[ISOLATION] = r.isolation  # the sandbox backend its code ran in ("" when none ran)
        rows.append(row)
    columns = (GRADE_COLUMNS + tests + [written_column(q.id) for q in assignment.questions]
               + [MESSAGE, DURATION, ISOLATION])
    return pd.DataFrame(rows, columns=columns)


def tests_frame(results: list[SubmissionResult]) -> pd.DataFrame:
    """Long form: one row per student and test (no points and the outcome "not graded" where the grader failed)."""
    rows = [
        {STUDENT_ID: r.student_id, TEST: o.test, POINTS: o.points if r.has_score else NAN, MAX_POINTS: o.max_points,
         OUTCOME: o.outcome if r.has_score else NOT_GRADED_OUTCOME, MESSAGE: o.message, DURATION: o.duration_s,
         VISIBILITY: o.visibility, DIAGNOSIS: o.diagnosis if r.has_score else ""}
        for r in sorted(results, key=lambda r: r.student_id) for o in r.outcomes
    ]
    return pd.DataFrame(rows, columns=TEST_COLUMNS + [VISIBILITY, DIAGNOSIS])


def pass_rates(tests: pd.DataFrame) -> pd.DataFrame:
    """Per test: the share of students who passed it, and its mean points (among the rows that were graded)."""
    tests = tests[tests[POINTS].notna()]
    if tests.empty:
        return pd.DataFrame(columns=[TEST, "pass_rate", "mean_points", MAX_POINTS])
    grouped = tests.groupby(TEST, sort=False)
    return pd.DataFrame({
        "pass_rate": grouped[OUTCOME].apply(lambda s: float((s == Outcome.PASSED).mean())),
        "mean_points": grouped[POINTS].mean(),
        MAX_POINTS: grouped[MAX_POINTS].first(),
    }).reset_index()
