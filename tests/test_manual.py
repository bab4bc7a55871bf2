"""Written answers: the review sheet, its round trip through merge-manual, and every kind of bad row."""
import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner

from autograder.api import grade_batch
from autograder.cli import main
from autograder.core.errors import AutograderError
from autograder.grading.notebooks import ANSWER_KEY
from autograder.isolation.sandbox import Limits
from autograder.api import merge_manual
from tests.conftest import write_class

LIMITS = Limits(call_timeout_s=5, submission_timeout_s=15, cpu_s=15)


@pytest.fixture
def graded(toy_course, tmp_path):
    subs = write_class(tmp_path / "subs", toy_course, {"py_no_answers": "@reference"})
    folder = subs / "md_answers"
    folder.mkdir()
    (folder / "toy.py").write_text((toy_course / "reference" / "toy" / "toy.py").read_text())
    sheet = (toy_course / "student_template" / "toy" / "answers.md").read_text()
    (folder / "answers.md").write_text(sheet.replace("*Write your answer here.*", "Squares are never negative."))
    nb = nbformat.reads((toy_course / "reference" / "toy" / "toy.ipynb").read_text(), 4)
    next(c for c in nb.cells if c.metadata.get(ANSWER_KEY) == "q1").source = "Because <b>area</b> & more."
    (subs / "nb_answers.ipynb").write_text(nbformat.writes(nb))
    out = tmp_path / "out"
    grade_batch("toy", subs, out, limits=LIMITS)
    return subs, out


def test_review_sheet_has_every_student_and_answer(graded):
    _, out = graded
    review = pd.read_csv(out / "review.csv", keep_default_na=False).set_index("student_id")
    assert list(review.columns) == ["question", "points", "prompt", "answer", "score", "comment", "note"]
    assert review.loc["md_answers", "answer"] == "Squares are never negative."
    assert review.loc["nb_answers", "answer"] == "Because <b>area</b> & more."
    assert review.loc["py_no_answers", "answer"] == "" and review.loc["py_no_answers", "note"] == "no answer found"
    page = (out / "review.html").read_text()
    assert "Because &lt;b&gt;area&lt;/b&gt; &amp; more." in page and "No answer found for 1: py_no_answers" in page


def score_sheet(out, scores):
    review = pd.read_csv(out / "review.csv", keep_default_na=False, dtype=str)
    review["score"] = [scores.get(s, "") for s in review["student_id"]]
    path = out / "review.csv"
    review.to_csv(path, index=False)
    return path


def test_round_trip_merges_manual_and_automatic_points(graded):
    _, out = graded
    path = score_sheet(out, {"md_answers": "2", "nb_answers": "1,5", "py_no_answers": "0"})
    result = CliRunner().invoke(main, ["merge-manual", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    final = pd.read_csv(out / "final_grades.csv").set_index("student_id")
    assert final.loc["md_answers", ["auto_score", "manual_score", "score", "max_score"]].tolist() == [4, 2, 6, 6]
    assert final.loc["nb_answers", "written:q1"] == 1.5 and final.loc["nb_answers", "score"] == 5.5


def test_scores_survive_a_rerun_of_grade_unless_the_answer_changed(graded):
    subs, out = graded
    score_sheet(out, {"md_answers": "2", "nb_answers": "1"})
    answers = subs / "md_answers" / "answers.md"
    answers.write_text(answers.read_text().replace("never negative", "non-negative"))
    grade_batch("toy", subs, out, limits=LIMITS)
    review = pd.read_csv(out / "review.csv", keep_default_na=False, dtype=str).set_index("student_id")
    assert review.loc["nb_answers", "score"] == "1"
    assert review.loc["md_answers", "score"] == ""
    assert "answer changed since it was scored (old score 2)" in review.loc["md_answers", "note"]


def test_every_bad_row_is_listed_and_nothing_is_written(graded):
    _, out = graded
    path = score_sheet(out, {"md_answers": "3", "nb_answers": "abc"})
    with open(path, "a") as f:
        f.write("mallory,q1,2,p,a,1,,\nmd_answers,q9,2,p,a,1,,\nmd_answers,q1,2,p,a,1,,\n")
    with pytest.raises(AutograderError) as info:
        merge_manual(path, out)
    message = str(info.value)
    for expected in ["score 3 is outside 0..2", "score 'abc' is not a number",
                     "unknown student 'mallory'", "unknown question 'q9'", "md_answers q1 appears again"]:
        assert expected in message
    assert "py_no_answers" not in message  # no answer and no score: 0, not a problem (--no-auto-zero: one)
    assert "nothing was written" in message and not (out / "final_grades.csv").exists()


def test_sheet_that_is_not_utf8_or_lacks_columns(graded, tmp_path):
    _, out = graded
    latin = tmp_path / "latin.csv"
    latin.write_bytes("student_id,question,score\nren\xe9,q1,1\n".encode("latin-1"))
    with pytest.raises(AutograderError, match="not UTF-8"):
        merge_manual(latin, out)
    bare = tmp_path / "bare.csv"
    bare.write_text("student_id,points\n")
    with pytest.raises(AutograderError, match="missing column"):
        merge_manual(bare, out)
    with pytest.raises(AutograderError, match="no grades here"):
        merge_manual(bare, tmp_path)


# ---- empty answers, comments, rubrics, counts ----------------------------------------------------------------

def test_an_empty_answer_is_scored_zero_unless_no_auto_zero(graded):
    _, out = graded
    path = score_sheet(out, {"md_answers": "2", "nb_answers": "1"})  # py_no_answers wrote nothing: left empty
    refused = CliRunner().invoke(main, ["merge-manual", str(path), "--out", str(out), "--no-auto-zero"])
    assert refused.exit_code == 2 and "py_no_answers q1: no score" in refused.output
    assert not (out / "final_grades.csv").exists()
    merged = CliRunner().invoke(main, ["merge-manual", str(path), "--out", str(out)])
    assert merged.exit_code == 0, merged.output
    assert "3 of 3 answers scored (1 without an answer: scored 0)" in merged.output
    final = pd.read_csv(out / "final_grades.csv").set_index("student_id")
    assert final.loc["py_no_answers", "written:q1"] == 0 and final.loc["md_answers", "written:q1"] == 2


def test_an_answer_left_unscored_is_still_refused(graded):
    _, out = graded
    path = score_sheet(out, {"md_answers": "2"})  # nb_answers answered, and nobody scored it
    with pytest.raises(AutograderError, match="nb_answers q1: no score"):
        merge_manual(path, out)


def test_comments_reach_the_feedback_and_final_grades(graded):
    _, out = graded
    path = score_sheet(out, {"md_answers": "1.5", "nb_answers": "2", "py_no_answers": "0"})
    review = pd.read_csv(path, keep_default_na=False, dtype=str)
    review["comment"] = ["Right idea; say why squares are never negative. <b>bold</b>" if s == "md_answers" else ""
                         for s in review["student_id"]]
    review.to_csv(path, index=False)
    assert CliRunner().invoke(main, ["merge-manual", str(path), "--out", str(out)]).exit_code == 0
    final = pd.read_csv(out / "final_grades.csv", keep_default_na=False).set_index("student_id")
    assert final.loc["md_answers", "comment:q1"] == "Right idea; say why squares are never negative. <b>bold</b>"
    feedback = (out / "feedback" / "md_answers.md").read_text()
    assert "Right idea; say why squares are never negative." in feedback and "| `q1` | 1.5 / 2 |" in feedback
    assert "**Score: 5.5 / 6**" in feedback  # automatic and written points together
    from tests.test_reports import visible
    assert "<b>" not in visible(feedback)  # a comment is shown as text, never as HTML
    assert "q1" in (out / "feedback" / "nb_answers.md").read_text()


def test_written_scores_stay_in_the_feedback_after_a_regrade(graded):
    subs, out = graded
    path = score_sheet(out, {"md_answers": "2", "nb_answers": "1"})
    merge_manual(path, out)
    grade_batch("toy", subs, out, limits=LIMITS)  # nothing changed: the merged scores still hold
    assert "| `q1` | 2 / 2 |" in (out / "feedback" / "md_answers.md").read_text()
    answers = subs / "md_answers" / "answers.md"
    answers.write_text(answers.read_text().replace("never negative", "non-negative"))
    grade_batch("toy", subs, out, limits=LIMITS)  # a new answer: its old score is no longer shown
    feedback = (out / "feedback" / "md_answers.md").read_text()
    assert "| `q1` | 2 / 2 |" not in feedback and "| `q1` | not scored yet / 2 |" in feedback
    assert "**Score: 4 / 4** (autograded tests)" in feedback


RUBRIC = '''
[[questions]]
id = "q2"
prompt = "Why cube?"
points = 2
rubric = ["2: x**3 = x * x**2, with the reason", "1: the identity only", "0: <nothing> & no reason"]
'''


def test_a_rubric_per_question_is_read_and_shown_in_the_review_page(toy_course, tmp_path):
    from autograder.core.course import get_assignment

    toml = toy_course / "assignments" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text() + RUBRIC)
    questions = {q.id: q for q in get_assignment("toy").questions}
    assert questions["q1"].rubric == ()
    assert questions["q2"].rubric == ("2: x**3 = x * x**2, with the reason", "1: the identity only",
                                      "0: <nothing> & no reason")
    subs = write_class(tmp_path / "subs", toy_course, {"amy": "@reference"})
    grade_batch("toy", subs, tmp_path / "out", limits=LIMITS)
    page = (tmp_path / "out" / "review.html").read_text()
    assert "1: the identity only" in page and "0: &lt;nothing&gt; &amp; no reason" in page


@pytest.mark.parametrize("rubric", ['"2: all"', '[2, 1]', '["2: all", ""]'])
def test_a_malformed_rubric_is_a_clear_error(toy_course, rubric):
    from autograder.core.course import get_assignment

    toml = toy_course / "assignments" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text().replace('points = 2\n', f'points = 2\nrubric = {rubric}\n'))
    with pytest.raises(AutograderError, match="rubric must be a list of non-empty strings"):
        get_assignment("toy")


def test_the_summary_says_how_many_answers_are_scored(graded):
    from autograder.reports.text import batch_summary

    subs, out = graded
    batch = grade_batch("toy", subs, out, limits=LIMITS)
    assert "written answers: 0 of 3 scored (1 without an answer, scored 0 when merged)" in batch_summary(batch)
    score_sheet(out, {"md_answers": "2", "nb_answers": "1"})
    batch = grade_batch("toy", subs, out, limits=LIMITS)
    assert "written answers: 2 of 3 scored (1 without an answer, scored 0 when merged)" in batch_summary(batch)
