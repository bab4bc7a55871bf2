"""The grade report as DataFrames, built by pure functions from results. Rendering lives elsewhere (`html`)."""
from __future__ import annotations

import re

import pandas as pd

from autograder.core.course import Assignment
from autograder.core.results import SubmissionResult
from autograder.core.status import NOT_GRADED_OUTCOME, Outcome, Status
from autograder.isolation.channel import ENDED, LATE, NOT_RUN, TRUNCATED

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


PASS_RATE, MEAN_POINTS, GRADED_N, PASSED_N, PARTIAL_N = "pass_rate", "mean_points", "graded", "passed", "partial"
RATE_COLUMNS = [TEST, GRADED_N, PASSED_N, PARTIAL_N, PASS_RATE, MEAN_POINTS, MAX_POINTS]


def pass_rates(grades: pd.DataFrame, tests: pd.DataFrame) -> pd.DataFrame:
    """Per test, among the entries that were graded (their tests ran: an entry that never ran passes nothing
    and says nothing of a test): how many passed it, partly passed it, the share that passed, its mean points.
    Worst first: lowest pass rate, then lowest mean share of points; ties in test order."""
    graded = set(grades.loc[grades[STATUS] == GRADED, STUDENT_ID])
    tests = tests[tests[STUDENT_ID].isin(graded) & tests[POINTS].notna()]
    if tests.empty:
        return pd.DataFrame(columns=RATE_COLUMNS)
    grouped = tests.groupby(TEST, sort=False)
    rates = pd.DataFrame({
        GRADED_N: grouped[OUTCOME].size(),
        PASSED_N: grouped[OUTCOME].apply(lambda s: int((s == Outcome.PASSED).sum())),
        PARTIAL_N: grouped[OUTCOME].apply(lambda s: int((s == Outcome.PARTIAL).sum())),
        MEAN_POINTS: grouped[POINTS].mean(),
        MAX_POINTS: grouped[MAX_POINTS].first(),
    }).reset_index()
    rates[PASS_RATE] = rates[PASSED_N] / rates[GRADED_N]
    share = rates[MEAN_POINTS] / rates[MAX_POINTS].where(rates[MAX_POINTS] > 0)
    rates = rates.assign(_share=share.fillna(1.0)).sort_values([PASS_RATE, "_share"], kind="stable")
    return rates.drop(columns="_share")[RATE_COLUMNS].reset_index(drop=True)


# ---- who needs help: a student's flags, and their outcome in each test ------------------------------------------

FLAGS = "flags"
TIMED_OUT, TESTS_NOT_RUN, CRASHED, FORBIDDEN, OUTPUT_CUT, NOT_GRADED = (
    "timed out", "tests not run", "crashed", "forbidden import", "output cut", "not graded")
FLAG_ORDER = (NOT_GRADED, TIMED_OUT, CRASHED, FORBIDDEN, TESTS_NOT_RUN, OUTPUT_CUT)
_STATUS_FLAGS = {Status.TIMEOUT: TIMED_OUT, Status.CRASHED: CRASHED, Status.FORBIDDEN_IMPORT: FORBIDDEN}
# An outcome that says its test did not run: skipped, and "not run" where the status module has it.
NOT_RUN_OUTCOMES = frozenset(o for o in Outcome if o.name in ("SKIPPED", "NOT_RUN"))
_CASE = r"(?:\[case [^\]]*\] )?"  # the runner's prefix naming a test's case
_CALL = r"(?:`[^`\n]+`|importing your file|your code \(as this test uses it\)|a call sent ahead)"  # what the sandbox's messages start with
_LATE = re.compile(rf"{_CASE}{_CALL} {LATE}")
_ENDED = re.compile(rf"{_CASE}{ENDED}")
_NOT_RUN = re.compile(rf"{_CASE}(?:{_CALL} )?{NOT_RUN}:")


def flags(result: SubmissionResult) -> tuple[str, ...]:
    """What an instructor should know of one submission beyond its score, in `FLAG_ORDER`: not graded, timed
    out, crashed, a forbidden import, tests that did not run, output cut at its limit. Read from its status, its
    tests' outcomes and the first line of their messages (where the sandbox's own words come first, before
    anything the student's code said)."""
    found = set()
    status = Status(result.status)
    if not status.graded:
        found.add(NOT_GRADED)
    if status in _STATUS_FLAGS:
        found.add(_STATUS_FLAGS[status])
    for o in result.outcomes:
        first = o.message.split("\n", 1)[0]
        found |= {TIMED_OUT} if _LATE.match(first) else set()
        found |= {CRASHED} if _ENDED.match(first) else set()
        if status.graded and (Outcome(o.outcome) in NOT_RUN_OUTCOMES or _NOT_RUN.match(first)):
            found.add(TESTS_NOT_RUN)
    if TRUNCATED in result.output:
        found.add(OUTPUT_CUT)
    return tuple(f for f in FLAG_ORDER if f in found)


def flags_frame(results: list[SubmissionResult]) -> pd.DataFrame:
    """One row per student: their flags (a tuple, empty when there is nothing to say)."""
    rows = [{STUDENT_ID: r.student_id, FLAGS: flags(r)} for r in sorted(results, key=lambda r: r.student_id)]
    return pd.DataFrame(rows, columns=[STUDENT_ID, FLAGS])


def first_failures(tests: pd.DataFrame) -> dict[str, str]:
    """Per student, the first test (in test order) that did not pass and had a message: "test: its first line"."""
    failed = tests[(tests[OUTCOME] != Outcome.PASSED) & (tests[MESSAGE].fillna("").str.strip() != "")]
    first = failed.drop_duplicates(STUDENT_ID)
    return {sid: f"{test}: {str(message).strip().split(chr(10), 1)[0]}"
            for sid, test, message in zip(first[STUDENT_ID], first[TEST], first[MESSAGE])}


def outcome_grid(tests: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Students × tests: each cell the outcome of that test for that student ("not graded" where the grader
    failed), columns in `order` (the report's: worst test first), rows by student id."""
    if tests.empty:
        return pd.DataFrame(columns=order)
    grid = tests.pivot(index=STUDENT_ID, columns=TEST, values=OUTCOME)
    return grid.reindex(columns=order).sort_index()


def points_grid(tests: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Students × tests: each cell the points that student got in that test (empty where the grader failed)."""
    if tests.empty:
        return pd.DataFrame(columns=order)
    return tests.pivot(index=STUDENT_ID, columns=TEST, values=POINTS).reindex(columns=order).sort_index()
