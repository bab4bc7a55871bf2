"""Render a batch's results: grades.csv, tests.csv, feedback/<id>.md, report.html and the review sheet, each
written atomically.

The CSV files are for spreadsheets: no text cell in them can run as a formula (`safetext.spreadsheet_safe`);
the grader's own readers undo that (`review.read_sheet`, `export`)."""
from __future__ import annotations

import html
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from autograder.core.course import Assignment
from autograder.core.outfolder import FEEDBACK_DIR, atomic_write
from autograder.core.results import SubmissionResult, WrittenCount
from autograder.core.text import spreadsheet_csv
from autograder.isolation import backends as isolation
from autograder.reports import frames as R
from autograder.reports.feedback import write_feedback
from autograder.reports.merge import answers_by_student, fresh_written, read_final
from autograder.reports.plots import barh_svg, histogram_svg
from autograder.reports.review import REVIEW_FILE, answer_count, read_sheet, review_frame, review_html


class Outputs(NamedTuple):
    """What `write_outputs` wrote: the paths by kind, notes on feedback files a person changed, and how far the
    scoring of written answers has come (None without written questions)."""

    files: dict[str, Path]
    notes: tuple[str, ...]
    written: WrittenCount | None


def write_outputs(assignment: Assignment, results: list[SubmissionResult], out_dir: Path,
                  warning: str = "") -> Outputs:
    """Every report file of a batch. The feedback shows the written scores final_grades.csv merged for the
    student's current grades and answers."""
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
    atomic_write(paths["report"], html_report(assignment, grades, tests, warning))
    return Outputs(paths, notes, count)


def _plots(assignment: Assignment, grades: pd.DataFrame, tests: pd.DataFrame) -> list[str]:
    """The score histogram and, if any test ran, the pass rate per test, as inline SVG."""
    scores = grades[R.SCORE].dropna().tolist()  # a row the grader failed to grade has no score
    plots = [histogram_svg(scores, assignment.max_score, min(20, max(5, len(grades) // 2)),
                           "Score distribution", f"score (out of {assignment.max_score:g})")]
    rates = R.pass_rates(tests)
    if not rates.empty:
        plots.append(barh_svg(rates[R.TEST].tolist(), (rates["pass_rate"] * 100).tolist(),
                              "Pass rate per test", "% of students passing"))
    return plots


CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; }
.stats { display: flex; gap: 1.5em; flex-wrap: wrap; }
.stat { background: #f4f6f9; border-radius: 6px; padding: .6em 1em; }
.stat b { display: block; font-size: 1.4em; }
.plots { display: flex; gap: 1em; flex-wrap: wrap; align-items: flex-start; }
.plots figure { margin: 0; max-width: 100%; border: 1px solid #eee; }
.plots svg { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f4f6f9; position: sticky; top: 0; }
td.message { max-width: 40em; white-space: pre-wrap; }
.warn { background: #fff4e5; border-left: 4px solid #e8a33d; padding: .5em 1em; }
"""


def _table(frame: pd.DataFrame) -> str:
    formatters = {R.DURATION: lambda v: f"{v:.3f}", "pass_rate": lambda v: f"{v:.0%}",
                  "mean_points": lambda v: f"{v:.2f}"}
    return frame.to_html(index=False, escape=True, na_rep="", float_format=lambda v: f"{v:g}", border=0,
                         formatters={k: f for k, f in formatters.items() if k in frame.columns})


def html_report(assignment: Assignment, grades: pd.DataFrame, tests: pd.DataFrame, warning: str = "") -> str:
    """A self-contained page for the instructor: summary, plots, slowest and failed submissions, all rows."""
    esc = html.escape
    n = len(grades)
    graded, scores = grades[grades[R.STATUS] == R.GRADED], grades[R.SCORE].dropna()  # no score: the grader failed
    stats = [("students", n), ("graded", len(graded)), ("not graded", n - len(graded)),
             ("mean score", f"{scores.mean():.2f}" if len(scores) else "–"),
             ("median", f"{scores.median():g}" if len(scores) else "–"),
             ("full marks", int((grades[R.SCORE] >= assignment.max_score).sum()))]
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(assignment.name)} report</title>",
             f"<style>{CSS}</style></head><body>",
             f"<h1>{esc(assignment.title)} <small>({esc(assignment.name)}, {assignment.max_score:g} points)</small></h1>",
             "<div class='stats'>" + "".join(f"<div class='stat'><b>{esc(str(v))}</b>{esc(k)}</div>" for k, v in stats)
             + "</div>"]
    backends = sorted({b for b in grades[R.ISOLATION].fillna("") if b}) if R.ISOLATION in grades else []
    if backends:
        parts.append("<p><b>Isolation:</b> " + esc("; ".join(isolation.label(b) for b in backends)) + "</p>")
    if warning:
        parts.append(f"<p class='warn'><b>Isolation:</b> {esc(warning)}</p>")
    if n:
        parts.append("<h2>Distribution and pass rates</h2><div class='plots'>")
        parts += [f"<figure>{svg}</figure>" for svg in _plots(assignment, grades, tests)]
        parts.append("</div>")
    problems = grades[grades[R.STATUS] != R.GRADED][[R.STUDENT_ID, R.STATUS, R.MESSAGE]]
    parts.append(f"<h2>Submissions not graded ({len(problems)})</h2>")
    parts.append(_table(problems) if len(problems) else "<p>None.</p>")
    failed = grades[grades[R.SCORE] < assignment.max_score].sort_values(R.SCORE)[[R.STUDENT_ID, R.SCORE, R.STATUS]]
    parts.append(f"<h2>Below full marks ({len(failed)})</h2>")
    parts.append(_table(failed) if len(failed) else "<p>None.</p>")
    slowest = grades.sort_values(R.DURATION, ascending=False).head(10)[[R.STUDENT_ID, R.DURATION, R.STATUS]]
    parts.append("<h2>Slowest submissions</h2>" + _table(slowest))
    parts.append("<h2>Pass rate per test</h2>" + _table(R.pass_rates(tests)))
    columns = [c for c in grades.columns if c != R.MESSAGE]
    parts.append("<h2>All grades</h2>" + _table(grades[columns]))
    parts.append("</body></html>")
    return "\n".join(parts)
