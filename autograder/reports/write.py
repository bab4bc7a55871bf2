"""Render a batch's results: grades.csv, tests.csv, feedback/<id>.md, report.html and the review sheet, each
written atomically.

The CSV files are for spreadsheets: no text cell in them can run as a formula (`safetext.spreadsheet_safe`);
the grader's own readers undo that (`review.read_sheet`, `export`)."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from autograder.core.course import Assignment
from autograder.core.outfolder import FEEDBACK_DIR, atomic_write
from autograder.core.results import SubmissionResult, WrittenCount
from autograder.core.text import spreadsheet_csv
from autograder.reports import frames as R
from autograder.reports.feedback import write_feedback
from autograder.reports.html import RunInfo, html_report
from autograder.reports.merge import answers_by_student, fresh_written, read_final
from autograder.reports.review import REVIEW_FILE, answer_count, read_sheet, review_frame, review_html


class Outputs(NamedTuple):
    """What `write_outputs` wrote: the paths by kind, notes on feedback files a person changed, and how far the
    scoring of written answers has come (None without written questions)."""

    files: dict[str, Path]
    notes: tuple[str, ...]
    written: WrittenCount | None


def write_outputs(assignment: Assignment, results: list[SubmissionResult], out_dir: Path,
                  run: RunInfo = RunInfo()) -> Outputs:
    """Every report file of a batch (`run`: what report.html says of the run itself). The feedback shows the
    written scores final_grades.csv merged for the student's current grades and answers."""
    grades = R.grades_frame(assignment, results)
    tests = R.tests_frame(results)
    paths = {"grades": out_dir / "grades.csv", "tests": out_dir / "tests.csv",
             "feedback": out_dir / FEEDBACK_DIR, "report": out_dir / "report.html"}
    atomic_write(paths["grades"], spreadsheet_csv(grades))
    atomic_write(paths["tests"], spreadsheet_csv(tests))
    review, count = None, None
    if assignment.questions:
        paths["review"], paths["review_html"] = out_dir / REVIEW_FILE, out_dir / "review.html"
        previous = read_sheet(paths["review"]) if paths["review"].is_file() else None
        review = review_frame(assignment, results, previous)
        atomic_write(paths["review"], spreadsheet_csv(review))
        atomic_write(paths["review_html"], review_html(assignment, review))
        count = answer_count(assignment, review)
    written = fresh_written(assignment, read_final(out_dir), grades, answers_by_student(review))
    notes = write_feedback(assignment, results, out_dir, written)
    atomic_write(paths["report"], html_report(assignment, grades, tests, R.flags_frame(results), run))
    return Outputs(paths, notes, count)
