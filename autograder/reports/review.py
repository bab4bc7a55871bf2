"""Written answers: a review sheet for a person to score, and the merge of those scores into final grades.

`grade` writes OUT/review.csv (one row per student and question, with an
empty score column) and OUT/review.html to read the answers comfortably.
Scores already typed into the sheet survive a re-run of `grade` while the
answer is unchanged. `merge-manual` checks every row first and writes
OUT/final_grades.csv only when all are valid.
"""
from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd

from autograder.core.course import Assignment, get_assignment
from autograder.core.errors import AutograderError
from autograder.core.outfolder import MARKER, RESULTS_DIR, atomic_write, hold, read_marker, refuse_links
from autograder.core.results import SubmissionResult
from autograder.core.text import spreadsheet_csv, spreadsheet_plain_frame
from autograder.reports import frames as R

QUESTION, PROMPT, ANSWER, SCORE, COMMENT, NOTE = "question", "prompt", "answer", "score", "comment", "note"
REVIEW_COLUMNS = [R.STUDENT_ID, QUESTION, R.POINTS, PROMPT, ANSWER, SCORE, COMMENT, NOTE]
FINAL_COLUMNS = [R.STUDENT_ID, R.STATUS, "auto_score", "auto_max"]


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
                   ANSWER: answer, SCORE: "", COMMENT: "", NOTE: "" if answer else "no answer found"}
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


def review_html(assignment: Assignment, review: pd.DataFrame) -> str:
    """Every answer, grouped by question, easy to read and score."""
    esc = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(assignment.name)}: written answers"
             "</title><style>body{font-family:system-ui,sans-serif;max-width:900px;margin:2em auto;padding:0 1em}"
             ".answer{white-space:pre-wrap;background:#f6f7f9;border-left:3px solid #3b6ea8;padding:.6em 1em;"
             "margin:.3em 0 1.2em}.missing{color:#a33}.meta{color:#666;font-size:.9em}</style></head><body>",
             f"<h1>{esc(assignment.title)}: written answers</h1>",
             "<p>Score them in <code>review.csv</code> (column <code>score</code>), then run "
             "<code>autograder merge-manual review.csv --out THIS_FOLDER</code>.</p>"]
    for q in assignment.questions:
        rows = review[review[QUESTION] == q.id].to_dict("records")
        answered = [r for r in rows if r[ANSWER]]
        parts.append(f"<h2>{esc(q.id)} ({q.points:g} points): {len(answered)} of {len(rows)} answered</h2>"
                     f"<p>{esc(q.prompt)}</p>")
        for row in answered:
            scored = f" · scored {esc(str(row[SCORE]))}" if str(row[SCORE]).strip() else ""
            parts.append(f"<div class='meta'><b>{esc(row[R.STUDENT_ID])}</b>{scored}</div>")
            parts.append(f"<div class='answer'>{esc(row[ANSWER])}</div>")
        missing = [r[R.STUDENT_ID] for r in rows if not r[ANSWER]]
        if missing:
            parts.append(f"<p class='missing'>No answer found for {len(missing)}: {esc(', '.join(missing))}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _score(text: str, limit: float) -> tuple[float | None, str]:
    raw = text.strip()
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


def validate_sheet(assignment: Assignment, students: list[str], sheet: pd.DataFrame) -> tuple[dict, list[str]]:
    """(scores by (student, question), every problem with its CSV line); problems empty when all is well."""
    missing_cols = [c for c in (R.STUDENT_ID, QUESTION, SCORE) if c not in sheet.columns]
    if missing_cols:
        return {}, [f"missing column(s): {', '.join(missing_cols)}"]
    points = {q.id: q.points for q in assignment.questions}
    known = set(students)
    scores, problems, seen = {}, [], {}
    for index, row in enumerate(sheet.to_dict("records")):
        line = index + 2  # line 1 is the header
        sid, qid = row[R.STUDENT_ID].strip(), row[QUESTION].strip()
        if sid not in known:
            problems.append(f"line {line}: unknown student {sid!r}")
            continue
        if qid not in points:
            problems.append(f"line {line}: unknown question {qid!r} (questions: {', '.join(points)})")
            continue
        if (sid, qid) in seen:
            problems.append(f"line {line}: {sid} {qid} appears again (first on line {seen[(sid, qid)]})")
            continue
        seen[(sid, qid)] = line
        value, problem = _score(row[SCORE], points[qid])
        if problem:
            problems.append(f"line {line}: {sid} {qid}: {problem}")
        else:
            scores[(sid, qid)] = value
    for sid in students:
        for qid in points:
            if (sid, qid) not in seen:
                problems.append(f"no row for {sid} {qid}")
    return scores, problems


def _float(cell) -> float:
    """A number cell of grades.csv, read as text or not; empty (no score: the grader failed) is NaN."""
    return float("nan") if isinstance(cell, str) and not cell.strip() else float(cell)


def final_frame(assignment: Assignment, grades: pd.DataFrame, scores: dict) -> pd.DataFrame:
    """Automatic and manual points side by side, with the total (none where the automatic part has no score)."""
    rows = []
    for g in grades.to_dict("records"):
        sid = str(g[R.STUDENT_ID])
        row = {R.STUDENT_ID: sid, R.STATUS: g[R.STATUS], "auto_score": _float(g[R.SCORE]),
               "auto_max": _float(g[R.MAX_SCORE])}
        manual = 0.0
        for q in assignment.questions:
            row[R.written_column(q.id)] = scores[(sid, q.id)]
            manual += scores[(sid, q.id)]
        row.update({"manual_score": manual, "manual_max": assignment.manual_points,
                    R.SCORE: row["auto_score"] + manual, R.MAX_SCORE: row["auto_max"] + assignment.manual_points})
        rows.append(row)
    columns = FINAL_COLUMNS + [R.written_column(q.id) for q in assignment.questions] + [
        "manual_score", "manual_max", R.SCORE, R.MAX_SCORE]
    return pd.DataFrame(rows, columns=columns)


def merge_manual(review_path: Path, out_dir: Path) -> Path:
    """Validate every row of the sheet, then write OUT/final_grades.csv; nothing is written on any error."""
    grades_path, path = out_dir / "grades.csv", out_dir / "final_grades.csv"
    refuse_links([out_dir, out_dir / RESULTS_DIR, grades_path, path])
    name = read_marker(out_dir, MARKER)
    if not name or not grades_path.is_file():
        raise AutograderError(f"{out_dir}: no grades here; run `autograder grade ... --out {out_dir}` first")
    assignment = get_assignment(name)
    with hold(out_dir):
        grades = read_sheet(grades_path)
        scores, problems = validate_sheet(assignment, list(grades[R.STUDENT_ID]), read_sheet(review_path))
        if problems:
            shown = "\n  ".join(problems[:200])
            more = f"\n  ... and {len(problems) - 200} more" if len(problems) > 200 else ""
            raise AutograderError(f"{review_path}: {len(problems)} problem(s), nothing was written:\n  {shown}{more}")
        atomic_write(path, spreadsheet_csv(final_frame(assignment, grades, scores)))
    return path
