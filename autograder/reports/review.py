"""Written answers: the review sheet a person scores (OUT/review.csv) and the page to read them in (review.html).

`grade` writes OUT/review.csv (one row per student and question, with an
empty score column) and OUT/review.html to read the answers comfortably,
with each question's rubric. Scores already typed into the sheet survive a
re-run of `grade` while the answer is unchanged. The merge of the scores
into final grades is `merge`'s.
"""
from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd

from autograder.core.course import Assignment
from autograder.core.errors import AutograderError
from autograder.core.results import SubmissionResult, WrittenCount
from autograder.core.text import spreadsheet_plain_frame
from autograder.reports import frames as R

QUESTION, PROMPT, ANSWER, SCORE, COMMENT, NOTE = "question", "prompt", "answer", "score", "comment", "note"
REVIEW_COLUMNS = [R.STUDENT_ID, QUESTION, R.POINTS, PROMPT, ANSWER, SCORE, COMMENT, NOTE]
NO_ANSWER = "no answer found"
REVIEW_FILE = "review.csv"


def review_frame(assignment: Assignment, results: list[SubmissionResult],
                 previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per student and question; scores and comments of `previous` kept where the answer is unchanged."""
    kept = {}
    if previous is not None and not previous.empty:
        for row in previous.to_dict("records"):
            kept[(str(row.get(R.STUDENT_ID)), str(row.get(QUESTION)))] = row
    rows = []
    for r in sorted(results, key=lambda r: r.student_id):
        answers = r.extra.get("answers", {})
        for q in assignment.questions:
            answer = str(answers.get(q.id, ""))
            row = {R.STUDENT_ID: r.student_id, QUESTION: q.id, R.POINTS: q.points, PROMPT: q.prompt,
                   ANSWER: answer, SCORE: "", COMMENT: "", NOTE: "" if answer else NO_ANSWER}
            old = kept.get((r.student_id, q.id))
            if old is not None and str(old.get(SCORE, "")).strip():
                if str(old.get(ANSWER, "")) == answer:
                    row[SCORE], row[COMMENT] = str(old[SCORE]), str(old.get(COMMENT, ""))
                else:
                    row[NOTE] = f"answer changed since it was scored (old score {old[SCORE]})"
            rows.append(row)
    return pd.DataFrame(rows, columns=REVIEW_COLUMNS)


def read_sheet(path: Path) -> pd.DataFrame:
    """A CSV the grader wrote (and a person may have edited) as text cells, its formula escaping undone;
    `AutograderError` when it cannot be read."""
    try:
        return spreadsheet_plain_frame(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
    except FileNotFoundError:
        raise AutograderError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise AutograderError(f"{path}: not UTF-8; save it as 'CSV UTF-8'") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise AutograderError(f"{path}: not a readable CSV ({exc})") from None


def parse_score(text: str, limit: float) -> tuple[float | None, str]:
    """A score typed into the sheet: (its value, '') or (None, what is wrong with it); a decimal comma is read."""
    raw = str(text).strip()
    if not raw:
        return None, "no score"
    if raw.count(",") == 1 and "." not in raw:  # a decimal comma, as some spreadsheets write it
        raw = raw.replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return None, f"score {text!r} is not a number"
    if not math.isfinite(value) or not 0 <= value <= limit:
        return None, f"score {text} is outside 0..{limit:g}"
    return value, ""


def unanswered(row: dict) -> bool:
    """The student wrote nothing for this question (what `merge-manual` scores 0 unless told not to)."""
    return not str(row.get(ANSWER, "")).strip()


def answer_count(assignment: Assignment, review: pd.DataFrame) -> WrittenCount:
    """How many of the sheet's answers have a valid score typed in, and how many are empty and unscored."""
    points = {q.id: q.points for q in assignment.questions}
    scored = empty = 0
    for row in review.to_dict("records"):
        if parse_score(row[SCORE], points.get(row[QUESTION], 0.0))[0] is not None:
            scored += 1
        elif unanswered(row):
            empty += 1
    return WrittenCount(len(review), scored, empty)


PAGE_CSS = """body{font-family:system-ui,sans-serif;max-width:900px;margin:2em auto;padding:0 1em;color:#222}
.answer{white-space:pre-wrap;background:#f6f7f9;border-left:3px solid #3b6ea8;padding:.6em 1em;margin:.3em 0 1.2em}
.missing{color:#a33}.meta{color:#666;font-size:.9em}.prompt{white-space:pre-wrap}
.rubric{background:#fffbe6;border:1px solid #eedc9a;border-radius:4px;padding:.4em 1em .4em 2em;margin:.5em 0 1em}
.rubric li{margin:.15em 0}"""


def _question_html(q, rows: list[dict]) -> list[str]:
    """One question: its prompt and rubric, then every answer (student, score so far), then who wrote none."""
    esc = html.escape
    answered = [r for r in rows if not unanswered(r)]
    parts = [f"<h2>{esc(q.id)} ({q.points:g} points): {len(answered)} of {len(rows)} answered</h2>",
             f"<p class='prompt'>{esc(q.prompt)}</p>"]
    if q.rubric:
        parts.append("<ul class='rubric' aria-label='rubric'>"
                     + "".join(f"<li>{esc(line)}</li>" for line in q.rubric) + "</ul>")
    for row in answered:
        scored = f" · scored {esc(str(row[SCORE]))}" if str(row[SCORE]).strip() else ""
        parts.append(f"<div class='meta'><b>{esc(row[R.STUDENT_ID])}</b>{scored}</div>")
        parts.append(f"<div class='answer'>{esc(row[ANSWER])}</div>")
    missing = [r[R.STUDENT_ID] for r in rows if unanswered(r)]
    if missing:
        parts.append(f"<p class='missing'>No answer found for {len(missing)}: {esc(', '.join(missing))} "
                     "(scored 0 when merged)</p>")
    return parts


def review_html(assignment: Assignment, review: pd.DataFrame) -> str:
    """Every answer, grouped by question under its prompt and rubric, easy to read and score."""
    esc = html.escape
    count = answer_count(assignment, review)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(assignment.name)}: written answers"
             f"</title><style>{PAGE_CSS}</style></head><body>",
             f"<h1>{esc(assignment.title)}: written answers</h1>",
             f"<p>{count.scored} of {count.answers} answers scored. Score them in <code>review.csv</code> (column "
             "<code>score</code>, a note for the student in <code>comment</code>), then run "
             "<code>autograder merge-manual review.csv --out THIS_FOLDER</code>; an empty answer left unscored "
             "gets 0 (<code>--no-auto-zero</code>: it must be scored too).</p>"]
    for q in assignment.questions:
        parts += _question_html(q, review[review[QUESTION] == q.id].to_dict("records"))
    parts.append("</body></html>")
    return "\n".join(parts)
