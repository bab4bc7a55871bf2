"""final_grades.csv records which grades it merged: an export never reads one older than grades.csv silently.
It merges again by itself when no typed score would be lost, and otherwise refuses with the command to run."""
import csv
import io

import pandas as pd
import pytest
from click.testing import CliRunner

from autograder.api import export, grade_batch, merge_manual
from autograder.cli import main
from autograder.core.errors import AutograderError
from autograder.isolation.sandbox import Limits
from tests.conftest import write_class

LIMITS = Limits(call_timeout_s=5, submission_timeout_s=15, cpu_s=15)
ROSTER = "student_id,first_name,last_name,email\namy,Amy,A,amy@example.edu\nbo,Bo,B,bo@example.edu\n"
ANSWER = "## q1\nSquares are never negative.\n"


@pytest.fixture
def merged(toy_course, tmp_path):
    """amy handed in the template (0 of 4) with an answer, bo the reference (4 of 4) with none; both scored
    and merged."""
    subs = write_class(tmp_path / "subs", toy_course, {"bo": "@reference"})
    amy = subs / "amy"
    amy.mkdir()
    (amy / "toy.py").write_text((toy_course / "student_template" / "toy" / "toy.py").read_text())
    (amy / "answers.md").write_text(ANSWER)
    out = tmp_path / "out"
    grade_batch("toy", subs, out, limits=LIMITS)
    review = pd.read_csv(out / "review.csv", keep_default_na=False, dtype=str)
    review["score"] = ["1" if s == "amy" else "" for s in review["student_id"]]  # bo: no answer, auto 0
    review.to_csv(out / "review.csv", index=False)
    merge_manual(out / "review.csv", out)
    (tmp_path / "roster.csv").write_text(ROSTER)
    return toy_course, subs, out


def _exported(tmp_path):
    rows = csv.DictReader(io.StringIO((tmp_path / "final.csv").read_text()))
    return {r["student_id"]: float(r["final_score"]) for r in rows}


def test_a_regrade_reaches_the_export_through_a_fresh_merge(merged, tmp_path):
    course, subs, out = merged
    export("csv", out, tmp_path / "roster.csv", tmp_path / "final.csv")
    assert _exported(tmp_path) == {"amy": 1.0, "bo": 4.0}
    (subs / "amy" / "toy.py").write_text((course / "reference" / "toy" / "toy.py").read_text())  # amy's fix
    grade_batch("toy", subs, out, limits=LIMITS)
    result = export("csv", out, tmp_path / "roster.csv", tmp_path / "final.csv")
    assert _exported(tmp_path) == {"amy": 5.0, "bo": 4.0}  # her new 4 points and her written 1
    assert any("merged again" in w and "amy" in w for w in result.warnings), result.warnings
    final = pd.read_csv(out / "final_grades.csv").set_index("student_id")
    assert final.loc["amy", "auto_score"] == 4 and final.loc["amy", "score"] == 5


def test_an_export_that_would_lose_a_typed_score_is_refused_with_the_command(merged, tmp_path):
    _, subs, out = merged
    (subs / "amy" / "answers.md").write_text(ANSWER.replace("never negative", "non-negative"))
    grade_batch("toy", subs, out, limits=LIMITS)  # amy's answer changed: its score is cleared in review.csv
    before = (out / "final_grades.csv").read_bytes()
    with pytest.raises(AutograderError) as info:
        export("csv", out, tmp_path / "roster.csv", tmp_path / "final.csv")
    message = str(info.value)
    assert "final_grades.csv is older than grades.csv" in message and "amy" in message
    assert f"autograder merge-manual {out / 'review.csv'} --out {out}" in message
    assert not (tmp_path / "final.csv").exists() and (out / "final_grades.csv").read_bytes() == before
    cli = CliRunner().invoke(main, ["export", "csv", str(out), "--roster", str(tmp_path / "roster.csv"),
                                    "--out", str(tmp_path / "final.csv")])
    assert cli.exit_code == 2 and "autograder merge-manual" in cli.output


def test_a_student_graded_after_the_merge_is_not_exported_as_missing(merged, tmp_path):
    course, subs, out = merged
    write_class(subs, course, {"cy": "@reference"})
    grade_batch("toy", subs, out, limits=LIMITS)
    (tmp_path / "roster.csv").write_text(ROSTER + "cy,Cy,C,cy@example.edu\n")
    result = export("csv", out, tmp_path / "roster.csv", tmp_path / "final.csv")
    assert _exported(tmp_path) == {"amy": 1.0, "bo": 4.0, "cy": 4.0}  # cy wrote no answer: 0 written points
    assert [r.status for r in result.rows if r.student.student_id == "cy"] == ["graded"]
