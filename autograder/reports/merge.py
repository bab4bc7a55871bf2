"""merge-manual: the written answers' scores (a review sheet) into OUT/final_grades.csv and every student's
feedback; and how a final_grades.csv older than the grades it merged is told, so that no export reads it.

Each row of final_grades.csv records what it merged (`merged_from`: a digest of the student's status and
scores in grades.csv and of their answers in OUT/review.csv). `stale_rows` compares that with the folder as
it is now; `merge_again` merges again by itself when that changes no score a person typed, and otherwise
says what to run. An empty answer left unscored is scored 0 (`auto_zero`).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd

from autograder.core.course import Assignment, get_assignment
from autograder.core.errors import AutograderError
from autograder.core.outfolder import MARKER, MERGE_RECORD, RESULTS_DIR, atomic_write, hold, read_marker, refuse_links
from autograder.core.results import WrittenCount
from autograder.core.text import spreadsheet_csv
from autograder.reports import frames as R
from autograder.reports.feedback import Written, write_feedback
from autograder.reports.review import ANSWER, COMMENT, QUESTION, REVIEW_FILE, SCORE, parse_score, read_sheet, unanswered

GRADES_FILE, FINAL_FILE = "grades.csv", "final_grades.csv"
AUTO_SCORE, AUTO_MAX, MANUAL_SCORE, MANUAL_MAX = "auto_score", "auto_max", "manual_score", "manual_max"
MERGED_FROM, COMMENT_PREFIX = "merged_from", "comment:"
FINAL_COLUMNS = [R.STUDENT_ID, R.STATUS, AUTO_SCORE, AUTO_MAX]
SHOWN_PROBLEMS = 200


def comment_column(question_id: str) -> str:
    return f"{COMMENT_PREFIX}{question_id}"


@dataclass(frozen=True)
class Checked:
    """A review sheet checked against the grades: scores and comments by (student, question), how many empty
    answers were scored 0 for want of a score, and every problem (with its line); no problem: all is well."""

    scores: dict[tuple[str, str], float]
    comments: dict[tuple[str, str], str]
    auto_zeroed: int
    problems: list[str]


@dataclass(frozen=True)
class Merged:
    """What a merge wrote: final_grades.csv, how many answers it scored, notes for the instructor."""

    path: Path
    count: WrittenCount  # answers, all scored; `unanswered`: those scored 0 for want of an answer
    notes: tuple[str, ...] = field(default_factory=tuple)


# ---- checking a sheet ------------------------------------------------------------------------------------------

def _same_text(a: str, b: str) -> bool:
    """Two answers alike but for white space (a spreadsheet may change line ends and trailing spaces)."""
    return " ".join(str(a).split()) == " ".join(str(b).split())


def _row_problem(row: dict, points: float, answers: Mapping[str, str] | None, auto_zero: bool,
                 question: str) -> tuple[float | None, str, bool]:
    """One row's score: (value, problem, scored 0 for want of an answer)."""
    if answers is not None and ANSWER in row and not _same_text(row[ANSWER], answers.get(question, "")):
        return None, "its answer is not the one graded now (resubmitted?): score the answer in the grades " \
                     "folder's review.csv", False
    if auto_zero and not str(row[SCORE]).strip() and unanswered(row):
        return 0.0, "", True
    value, problem = parse_score(row[SCORE], points)
    return value, problem, False


def validate_sheet(assignment: Assignment, students: list[str], sheet: pd.DataFrame, auto_zero: bool = True,
                   answers: Mapping[str, Mapping[str, str]] | None = None) -> Checked:
    """Every row of the sheet checked (known student and question, once each, a score within the question's
    points, the answer the one graded now when `answers` are known); empty unscored answers get 0 (`auto_zero`)."""
    missing_cols = [c for c in (R.STUDENT_ID, QUESTION, SCORE) if c not in sheet.columns]
    if missing_cols:
        return Checked({}, {}, 0, [f"missing column(s): {', '.join(missing_cols)}"])
    points = {q.id: q.points for q in assignment.questions}
    known = set(students)
    scores, comments, problems, seen, zeroed = {}, {}, [], {}, 0
    for index, row in enumerate(sheet.to_dict("records")):
        line = index + 2  # line 1 is the header
        sid, qid = row[R.STUDENT_ID].strip(), row[QUESTION].strip()
        if sid not in known:
            problems.append(f"line {line}: unknown student {sid!r}")
        elif qid not in points:
            problems.append(f"line {line}: unknown question {qid!r} (questions: {', '.join(points)})")
        elif (sid, qid) in seen:
            problems.append(f"line {line}: {sid} {qid} appears again (first on line {seen[(sid, qid)]})")
        else:
            seen[(sid, qid)] = line
            current = None if answers is None else answers.get(sid, {})
            value, problem, zero = _row_problem(row, points[qid], current, auto_zero, qid)
            if problem:
                problems.append(f"line {line}: {sid} {qid}: {problem}")
            else:
                scores[(sid, qid)], comments[(sid, qid)], zeroed = value, str(row.get(COMMENT, "")), zeroed + zero
    problems += [f"no row for {sid} {qid}" for sid in students for qid in points if (sid, qid) not in seen]
    return Checked(scores, comments, zeroed, problems)


# ---- what a row merged ----------------------------------------------------------------------------------------

def _number(cell) -> str:
    """A score as the digest sees it: six decimals whether read as text or as a number; '' for none."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return ""
    value = float(cell)
    return "" if math.isnan(value) else f"{value:.6f}"


def merged_key(grade: Mapping, answers: Mapping[str, str]) -> str:
    """What a final row merged: the student's status and scores in grades.csv, and their (non-empty) answers."""
    parts = [str(grade[R.STATUS]), _number(grade[R.SCORE]), _number(grade[R.MAX_SCORE])]
    parts += [f"{q}\0{' '.join(str(a).split())}" for q, a in sorted(answers.items()) if str(a).strip()]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def answers_by_student(review: pd.DataFrame | None) -> dict[str, dict[str, str]]:
    """Each student's answers by question, from a review sheet (none without one); the first row of a pair
    counts, as the grader wrote it (a row a person added below does not change what was graded)."""
    if review is None or review.empty or ANSWER not in review.columns:
        return {}
    answers: dict[str, dict[str, str]] = {}
    for row in review.to_dict("records"):
        answers.setdefault(str(row[R.STUDENT_ID]), {}).setdefault(str(row[QUESTION]), str(row[ANSWER]))
    return answers


def current_answers(out_dir: Path) -> dict[str, dict[str, str]]:
    """The answers graded now: OUT/review.csv's, as the last `grade` wrote them."""
    path = out_dir / REVIEW_FILE
    return answers_by_student(read_sheet(path)) if path.is_file() else {}


def _float(cell) -> float:
    """A number cell of grades.csv, read as text or not; empty (no score: the grader failed) is NaN."""
    return float("nan") if isinstance(cell, str) and not cell.strip() else float(cell)


def final_frame(assignment: Assignment, grades: pd.DataFrame, scores: Mapping, comments: Mapping | None = None,
                answers: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """Automatic and manual points side by side, with the total (none where the automatic part has no score),
    each question's comment, and what the row merged (`merged_from`)."""
    rows, comments, answers = [], comments or {}, answers or {}
    for g in grades.to_dict("records"):
        sid = str(g[R.STUDENT_ID])
        row = {R.STUDENT_ID: sid, R.STATUS: g[R.STATUS], AUTO_SCORE: _float(g[R.SCORE]),
               AUTO_MAX: _float(g[R.MAX_SCORE])}
        row.update({R.written_column(q.id): scores[(sid, q.id)] for q in assignment.questions})
        manual = sum(scores[(sid, q.id)] for q in assignment.questions)
        row.update({MANUAL_SCORE: manual, MANUAL_MAX: assignment.manual_points, R.SCORE: row[AUTO_SCORE] + manual,
                    R.MAX_SCORE: row[AUTO_MAX] + assignment.manual_points})
        row.update({comment_column(q.id): comments.get((sid, q.id), "") for q in assignment.questions})
        row[MERGED_FROM] = merged_key(g, answers.get(sid, {}))
        rows.append(row)
    columns = (FINAL_COLUMNS + [R.written_column(q.id) for q in assignment.questions]
               + [MANUAL_SCORE, MANUAL_MAX, R.SCORE, R.MAX_SCORE]
               + [comment_column(q.id) for q in assignment.questions] + [MERGED_FROM])
    return pd.DataFrame(rows, columns=columns)


# ---- stale or fresh -------------------------------------------------------------------------------------------

def _change(sid: str, old: Mapping, new: Mapping | None, answers: Mapping[str, str]) -> str:
    """How a student's row differs from what their final row merged ('' when it does not)."""
    if new is None:
        return f"{sid}: no longer in {GRADES_FILE}"
    if str(old[R.STATUS]) != str(new[R.STATUS]) or _number(old[AUTO_SCORE]) != _number(new[R.SCORE]):
        before = _number(old[AUTO_SCORE]) and f"{float(old[AUTO_SCORE]):g}"
        after = _number(new[R.SCORE]) and f"{float(new[R.SCORE]):g}"
        return f"{sid}: {before or 'no score'} -> {after or 'no score'} points ({new[R.STATUS]})"
    if MERGED_FROM in old and str(old[MERGED_FROM]) != merged_key(new, answers):
        return f"{sid}: answers changed"
    return ""


def stale_rows(grades: pd.DataFrame, final: pd.DataFrame, answers: Mapping[str, Mapping[str, str]]) -> list[str]:
    """What changed in grades.csv (and the answers) since final_grades.csv merged them, one line per student."""
    now = {str(g[R.STUDENT_ID]): g for g in grades.to_dict("records")}
    merged = {str(f[R.STUDENT_ID]): f for f in final.to_dict("records")}
    changes = [_change(sid, old, now.get(sid), answers.get(sid, {})) for sid, old in sorted(merged.items())]
    return [c for c in changes if c] + [f"{sid}: graded since the merge" for sid in sorted(set(now) - set(merged))]


def fresh_written(assignment: Assignment, final: pd.DataFrame | None, grades: pd.DataFrame,
                  answers: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, Written]]:
    """The merged written scores (and comments) of each student whose final row still holds for their grades
    and answers: what their feedback may show."""
    if final is None or MERGED_FROM not in final.columns:
        return {}
    now = {str(g[R.STUDENT_ID]): g for g in grades.to_dict("records")}
    fresh = {}
    for row in final.to_dict("records"):
        sid = str(row[R.STUDENT_ID])
        if sid in now and str(row[MERGED_FROM]) == merged_key(now[sid], answers.get(sid, {})):
            fresh[sid] = {q.id: Written(float(row[R.written_column(q.id)]), str(row.get(comment_column(q.id), "")))
                          for q in assignment.questions}
    return fresh


def read_final(out_dir: Path) -> pd.DataFrame | None:
    """OUT/final_grades.csv as text cells, or None when there is none."""
    path = out_dir / FINAL_FILE
    return read_sheet(path) if path.is_file() else None


# ---- the merge ------------------------------------------------------------------------------------------------

def grades_folder(out_dir: Path) -> tuple[Assignment, pd.DataFrame]:
    """The assignment graded into OUT and its grades.csv (text cells); a usage error when OUT holds none."""
    grades_path = out_dir / GRADES_FILE
    refuse_links([out_dir, out_dir / RESULTS_DIR, grades_path, out_dir / FINAL_FILE,
                  out_dir / RESULTS_DIR / MERGE_RECORD])
    name = read_marker(out_dir, MARKER)
    if not name or not grades_path.is_file():
        raise AutograderError(f"{out_dir}: no grades here; run `autograder grade ... --out {out_dir}` first")
    return get_assignment(name), read_sheet(grades_path)


def _checked(assignment: Assignment, grades: pd.DataFrame, review_path: Path, auto_zero: bool,
             answers: Mapping[str, Mapping[str, str]]) -> Checked:
    """The sheet checked, or a usage error listing every problem (nothing is written then)."""
    checked = validate_sheet(assignment, list(grades[R.STUDENT_ID]), read_sheet(review_path), auto_zero,
                             answers or None)
    if checked.problems:
        problems = checked.problems
        shown = "\n  ".join(problems[:SHOWN_PROBLEMS])
        more = f"\n  ... and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
        raise AutograderError(f"{review_path}: {len(problems)} problem(s), nothing was written:\n  {shown}{more}")
    return checked


def _write(assignment: Assignment, grades: pd.DataFrame, checked: Checked, out_dir: Path, review_path: Path,
           auto_zero: bool, answers: Mapping[str, Mapping[str, str]]) -> Merged:
    """final_grades.csv, the record of which sheet it merged, and every feedback file (held by the caller)."""
    final = final_frame(assignment, grades, checked.scores, checked.comments, answers)
    path = out_dir / FINAL_FILE
    atomic_write(path, spreadsheet_csv(final))
    record = {"sheet": str(Path(review_path).absolute()), "auto_zero": auto_zero}
    atomic_write(out_dir / RESULTS_DIR / MERGE_RECORD, json.dumps(record))
    notes = _rewrite_feedback(assignment, grades, final, answers, out_dir)
    count = WrittenCount(len(checked.scores), len(checked.scores), checked.auto_zeroed)
    return Merged(path, count, notes)


def _rewrite_feedback(assignment: Assignment, grades: pd.DataFrame, final: pd.DataFrame,
                      answers: Mapping[str, Mapping[str, str]], out_dir: Path) -> tuple[str, ...]:
    """Every student's feedback again, now with their written scores and comments; left as it was (and said)
    when a row's saved result cannot be read back (graded with other tests: grade again)."""
    from autograder.grading.batch import tests_key  # noqa: PLC0415 (the merge alone needs the saved results)
    from autograder.grading.store import earlier_results  # noqa: PLC0415

    saved, _ = earlier_results(out_dir / RESULTS_DIR, assignment, tests_key(assignment), set())
    ids = set(grades[R.STUDENT_ID])
    results = [r for r in saved if r.student_id in ids]
    if len(results) != len(ids):
        return (f"feedback not updated: {len(ids) - len(results)} row(s) of {GRADES_FILE} have no saved result "
                f"for the current tests; grade again, and the feedback will show the written scores",)
    written = fresh_written(assignment, final.astype(str), grades, answers)
    return write_feedback(assignment, sorted(results, key=lambda r: r.student_id), out_dir, written)


def merge_manual(review_path: Path, out_dir: Path, auto_zero: bool = True) -> Merged:
    """Validate every row of the sheet, then write OUT/final_grades.csv and the feedback; nothing is written on
    any error. `auto_zero`: an empty answer left unscored gets 0."""
    assignment, _ = grades_folder(out_dir)
    with hold(out_dir):
        grades = read_sheet(out_dir / GRADES_FILE)
        answers = current_answers(out_dir)
        checked = _checked(assignment, grades, review_path, auto_zero, answers)
        return _write(assignment, grades, checked, out_dir, review_path, auto_zero, answers)


# ---- merging again, for an export ------------------------------------------------------------------------------

def _last_merge(out_dir: Path) -> tuple[Path, bool]:
    """The sheet the last merge read (else OUT/review.csv) and whether it scored empty answers 0."""
    try:
        record = json.loads(read_marker(out_dir, MERGE_RECORD) or "{}")
    except ValueError:
        record = {}
    record = record if isinstance(record, dict) else {}
    sheet = record.get("sheet") if isinstance(record.get("sheet"), str) else ""
    return Path(sheet) if sheet else out_dir / REVIEW_FILE, record.get("auto_zero") is not False


def _why(changes: list[str]) -> str:
    shown = "; ".join(changes[:5]) + (f"; and {len(changes) - 5} more" if len(changes) > 5 else "")
    return f"{FINAL_FILE} is older than {GRADES_FILE}: {len(changes)} row(s) changed since it was merged ({shown})"


def stale_refusal(out_dir: Path) -> str:
    """Why OUT/final_grades.csv may not be exported, with the command that merges again ('' when it holds)."""
    _, grades = grades_folder(out_dir)
    final = read_final(out_dir)
    changes = [] if final is None else stale_rows(grades, final, current_answers(out_dir))
    if not changes:
        return ""
    sheet, auto_zero = _last_merge(out_dir)
    flag = "" if auto_zero else " --no-auto-zero"
    return f"{_why(changes)}; run `autograder merge-manual {sheet} --out {out_dir}{flag}` first"


def _changed_scores(final: pd.DataFrame, checked: Checked, assignment: Assignment) -> list[str]:
    """Written scores the old final rows hold that merging again would change (typed since, or cleared)."""
    changed = []
    for row in final.to_dict("records"):
        sid = str(row[R.STUDENT_ID])
        for q in assignment.questions:
            old, new = _number(row.get(R.written_column(q.id), "")), checked.scores.get((sid, q.id))
            if new is not None and old != _number(new):
                changed.append(f"{sid} {q.id}: {float(old):g} -> {new:g}" if old else f"{sid} {q.id}: -> {new:g}")
    return changed


def merge_again(out_dir: Path) -> str:
    """Before an export: '' when there is no final_grades.csv or it still holds; when grades.csv (or the answers)
    changed since, merge again from the sheet the last merge read, provided no score merged before changes, and
    say so; otherwise a usage error saying why, with the command to run."""
    assignment, _ = grades_folder(out_dir)
    with hold(out_dir):
        grades, final, answers = read_sheet(out_dir / GRADES_FILE), read_final(out_dir), current_answers(out_dir)
        changes = [] if final is None else stale_rows(grades, final, answers)
        if not changes:
            return ""
        sheet, auto_zero = _last_merge(out_dir)
        command = f"autograder merge-manual {sheet} --out {out_dir}" + ("" if auto_zero else " --no-auto-zero")
        try:
            checked = _checked(assignment, grades, sheet, auto_zero, answers)
        except AutograderError as exc:
            raise AutograderError(f"{_why(changes)}, and it cannot be merged again as it is: {exc}\n"
                                  f"Score what is listed, then run `{command}`") from None
        changed = _changed_scores(final, checked, assignment)
        if changed:
            raise AutograderError(f"{_why(changes)}; merging again from {sheet} would change scores merged before "
                                  f"({'; '.join(changed[:10])}): check them, then run `{command}`")
        merged = _write(assignment, grades, checked, out_dir, sheet, auto_zero, answers)
    return "; ".join((f"{_why(changes)}: merged again from {sheet}", *merged.notes))
