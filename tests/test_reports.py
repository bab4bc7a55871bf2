"""The report files and summaries: a grader failure is never a grade; what a student wrote stays inert."""
import csv
import io
import re

import pandas as pd
import pytest

from autograder.core.course import get_assignment
from autograder.core.results import SubmissionResult, TestOutcome
from autograder.grading.batch import BatchResult
from autograder.reports.text import batch_summary
from autograder.reports.write import write_outputs
from tests.test_attacks import outside_fences

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
    from autograder.reports.text import format_check

    text = format_check(_result("bo", "grader_error", 0.0, "OSError: boom"))
    assert "not graded" in text and "0/4 points" not in text


# ---- what people open is safe: feedback Markdown ---------------------------------------------------------------

def visible(markdown: str) -> str:
    """What a Markdown renderer may interpret: the text outside fenced blocks and outside code spans (a backtick
    run up to the next run of the same length on that line)."""
    shown = []
    for line in outside_fences(markdown):
        i = 0
        while i < len(line):
            run = re.match(r"`+", line[i:])
            if run is None:
                shown.append(line[i])
                i += 1
                continue
            close = re.compile(rf"(?<!`){run[0]}(?!`)").search(line, i + len(run[0]))
            i = close.end() if close else i + len(run[0])
            if close is None:
                shown.append(run[0])
        shown.append("\n")
    return "".join(shown)


HOSTILE = "<img src=x onerror=alert(1)>__zero"


def test_nothing_a_student_wrote_is_markdown_or_html_in_the_feedback(toy_course, tmp_path):
    notes = ["cell 2: skipped `!echo `` </code><script>alert(1)</script> **Score: 4 / 4**` (IPython magic)",
             "cell 3 raised\n## Full marks\n<script>alert(2)</script>", "` | `test_x` | hidden | ✅ passed | 4 / 4 |"]
    result = _result(HOSTILE, "graded", 0.0, "**Score: 4 / 4** <script>alert(3)</script>",
                     output="\x1b[2J```\n<script>alert(4)</script>\n```", extra={"notes": notes})
    write_outputs(get_assignment("toy"), [result], tmp_path / "out")
    text = (tmp_path / "out" / "feedback" / f"{HOSTILE}.md").read_text()
    shown = visible(text)
    assert "<" not in shown and "Score: 4" not in shown and "Full marks" not in shown and "✅" not in shown, shown
    assert HOSTILE in text and "alert(1)" in text  # still there for the student to read, as code
    assert "\x1b" not in text


def test_a_notebook_note_quoting_the_student_stays_code(toy_course, tmp_path):
    import nbformat

    from autograder.api import grade_batch
    from autograder.isolation.sandbox import Limits

    nb = nbformat.reads((toy_course / "reference" / "toy" / "toy.ipynb").read_text(), 4)
    nb.cells.append(nbformat.v4.new_code_cell("!echo `` </code><script>alert(1)</script> **Score: 9 / 9**"))
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / f"{HOSTILE}.ipynb").write_text(nbformat.writes(nb))
    grade_batch("toy", subs, tmp_path / "out", limits=Limits(call_timeout_s=5, submission_timeout_s=15, cpu_s=15))
    text = (tmp_path / "out" / "feedback" / f"{HOSTILE}.md").read_text()
    assert "IPython magic or shell command" in text
    shown = visible(text)
    assert "<" not in shown and "Score: 9" not in shown, shown


# ---- what people open is safe: the CSV files of a grade run ------------------------------------------------------

FORMULA_IDS = ["=HYPERLINK(\"evil.example\")__zero", "-2+3__zero", "@SUM(1)__zero", "'quoted__zero"]


def cells(path):
    return [cell for row in csv.reader(io.StringIO(path.read_text("utf-8"))) for cell in row]


def test_no_csv_of_a_grade_run_holds_a_formula_and_ids_round_trip(toy_course, tmp_path):
    from click.testing import CliRunner

    from autograder.api import grade_batch
    from autograder.cli import main
    from autograder.core.text import formula_like, spreadsheet_plain
    from autograder.isolation.sandbox import Limits
    from tests.conftest import write_class

    limits = Limits(call_timeout_s=3, submission_timeout_s=8, cpu_s=8)
    subs = write_class(tmp_path / "subs", toy_course, {sid: "@template" for sid in FORMULA_IDS})
    folder = subs / "+cmd__zero"
    folder.mkdir()
    (folder / "toy.py").write_text((toy_course / "student_template" / "toy" / "toy.py").read_text())
    (folder / "answers.md").write_text("## q1\n=HYPERLINK(\"http://evil\",\"click for marks\")\n")
    out = tmp_path / "out"
    grade_batch("toy", subs, out, limits=limits)
    ids = sorted(FORMULA_IDS + ["+cmd__zero"])
    for name in ("grades.csv", "tests.csv", "review.csv"):
        assert not [c for c in cells(out / name) if formula_like(c)], name
    grades = pd.read_csv(out / "grades.csv")
    assert grades["score"].dtype == float and (grades["score"] == 0).all()  # numbers stay numbers
    review = pd.read_csv(out / "review.csv", dtype=str, keep_default_na=False)
    review["score"] = "1"
    review.to_csv(out / "review.csv", index=False)
    grade_batch("toy", subs, out, limits=limits)  # the typed scores survive: answers and ids read back unescaped
    assert list(pd.read_csv(out / "review.csv", dtype=str)["score"]) == ["1"] * len(ids)
    merged = CliRunner().invoke(main, ["merge-manual", str(out / "review.csv"), "--out", str(out)])
    assert merged.exit_code == 0, merged.output
    assert not [c for c in cells(out / "final_grades.csv") if formula_like(c)]
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "first_name", "last_name", "email"])
        writer.writerows([sid, "=1+1", "@Name", f"{n}@example.edu"] for n, sid in enumerate(ids[1:]))
    exported = CliRunner().invoke(main, ["export", "csv", str(out), "--roster", str(roster),
                                         "--out", str(tmp_path / "all.csv")])
    assert exported.exit_code == 1 and f"! {ids[0]} (graded, 1 points)" in exported.output  # not in the roster
    for path in (tmp_path / "all.csv", out / "late.csv", out / "unmatched.csv"):
        assert not [c for c in cells(path) if formula_like(c)], path.name
    exported_ids = [r["student_id"] for r in csv.DictReader(io.StringIO((tmp_path / "all.csv").read_text()))]
    assert exported_ids != ids[1:] and [spreadsheet_plain(i) for i in exported_ids] == ids[1:]  # escaped, exactly
