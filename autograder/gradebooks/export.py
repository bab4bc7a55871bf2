"""Gradebook files for the platforms courses use, from a grades folder and the course roster.

`export(platform, DIR, roster, out)` reads DIR/final_grades.csv (autograded
plus written points) or else DIR/grades.csv, matches every row to the
roster, applies the late policy, and writes one file in the platform's
import format. Everything is checked before anything is written: a bad
roster, a missing platform id or a folder of another assignment is an
`AutograderError`. Rows whose student the roster does not know are kept out
of the export and listed in DIR/unmatched.csv; roster students without a
submission get zero and the status `missing`. DIR/late.csv shows, for each
student, the raw score, the late penalty and the final score.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.core.course import Assignment, get_assignment
from autograder.core.errors import AutograderError
from autograder.core.latepolicy import LatePolicy, parse_override
from autograder.core.outfolder import MARKER, RESULTS_DIR, atomic_write, hold, read_marker, refuse_links
from autograder.core.status import Status
from autograder.core.text import formula_like, spreadsheet_plain, spreadsheet_safe, terminal_safe
from autograder.gradebooks.late import TIMES_FILE, Lateness, SubmissionTime, apply, assess, read_times
from autograder.gradebooks.roster import Roster, Student, load_roster
from autograder.reports.merge import FINAL_FILE, GRADES_FILE, stale_refusal

PLATFORMS = ("canvas", "moodle", "blackboard", "gradescope", "csv")
LATE_FILE, UNMATCHED_FILE, IMPORT_LOG = "late.csv", "unmatched.csv", "imported.csv"
MISSING = "missing"
MOODLE_NO_GRADE = "-"  # load_data.php: '' or '-' is no grade
CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_IDS = ("canvas_user_id", "sis_user_id", "sis_login_id")  # what Canvas finds a student by
# Columns Canvas's importer drops as totals (app/models/gradebook_importer.rb, NON_ASSIGNMENT_COLUMN_HEADERS).
CANVAS_TOTALS = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points", "Final Grade",
                 "Override Score", "Override Grade", "Override Status")
MOODLE_IDENTITIES = {"email": ("email", "Email address"), "idnumber": ("moodle_idnumber", "ID number"),
                     "username": ("moodle_username", "Username")}
LATE_COLUMNS = ["student_id", "status", "submitted_at", "late", "days_late", "raw_score", "penalty_percent",
                "penalty", "final_score", "max_score", "note"]
CSV_COLUMNS = ["student_id", "first_name", "last_name", "email", "section", *LATE_COLUMNS[1:]]
UNMATCHED_COLUMNS = ["student_id", "status", "score", "reason"]
GRADESCOPE_MESSAGE = ("Gradescope grades submissions itself and has no gradebook CSV to import: build its "
                      "autograder with `autograder gradescope ASSIGNMENT --out autograder.zip` and upload that "
                      "zip to the Gradescope assignment")


@dataclass(frozen=True)
class Row:
    """One roster student's line: raw score, late penalty, final score (all None: not graded, no grade)."""

    student: Student
    status: str
    raw: float | None
    max_points: float
    time: SubmissionTime | None
    lateness: Lateness
    penalty: float | None
    final: float | None


@dataclass(frozen=True)
class Unmatched:
    """A graded submission whose student the roster does not know: reported, never exported."""

    student_id: str
    status: str
    score: float | None
    reason: str


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote, and what it left out and why."""

    platform: str
    assignment: Assignment
    out: Path
    rows: list[Row]
    unmatched: list[Unmatched]
    policy: LatePolicy | None
    warnings: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def not_graded(self) -> list[Row]:
        """Rows with a submission but no score (the grader failed): no grade was written for them."""
        return [r for r in self.rows if r.final is None]


def fmt(value: float | None) -> str:
    """A score as platforms read it: '.' for decimals, at most two of them, no exponent, no separators;
    empty for no score."""
    if value is None:
        return ""
    text = f"{round(value, 2) + 0.0:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ---- reading the grades folder ------------------------------------------------------------------


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A CSV the grader wrote: (header, rows), with its formula escaping undone (ids come back as they were)."""
    text = path.read_text("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    rows = [{k: spreadsheet_plain(v) for k, v in row.items()} for row in reader]
    return list(reader.fieldnames or []), rows


def _number(text: str, where: str) -> float:
    try:
        value = float(text) if text.strip() else 0.0
    except ValueError:
        raise AutograderError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise AutograderError(f"{where}: {text!r} is not a finite number")
    return value


def _score(row: dict[str, str], where: str) -> float | None:
    """A row's score; None when it has none: the grader failed to grade it (its cell is empty)."""
    if row["status"] == Status.GRADER_ERROR or not row["score"].strip():
        return None
    return _number(row["score"], where)


def _assignment_of(grades_dir: Path, expected: str | None) -> Assignment:
    if not grades_dir.is_dir():
        raise AutograderError(f"{grades_dir}: no such grades folder (the --out folder of `autograder grade`)")
    name = read_marker(grades_dir, MARKER)
    if not name:
        raise AutograderError(f"{grades_dir}: not a grades folder of `autograder grade` "
                              f"(no {RESULTS_DIR}/{MARKER})")
    if expected and expected != name:
        raise AutograderError(f"{grades_dir} holds grades of {name}, not {expected}")
    return get_assignment(name)


def _check_columns(path: Path, columns: list[str], assignment: Assignment, final: bool) -> None:
    needed = ["student_id", "status", "score", "max_score"]
    missing = [c for c in needed if c not in columns]
    if missing:
        raise AutograderError(f"{path}: missing column(s) {', '.join(missing)}")
    written = {c for c in columns if c.startswith("written:")}
    if written != {f"written:{q.id}" for q in assignment.questions}:
        raise AutograderError(f"{path}: its written questions ({', '.join(sorted(written)) or 'none'}) are not "
                              f"{assignment.name}'s; is this folder from another assignment?")
    if not final:
        other = [c for c in columns if c.startswith("test_")]
        if set(other) != set(assignment.points):
            raise AutograderError(f"{path}: its test columns are not {assignment.name}'s tests; "
                                  f"graded for another assignment or an older version? Grade again")


def read_grades(grades_dir: Path, assignment_name: str | None = None) -> tuple[Assignment, dict[str, dict], list[str]]:
    """(assignment, rows by student_id with float `score`, warnings) from DIR/final_grades.csv or DIR/grades.csv."""
    assignment = _assignment_of(grades_dir, assignment_name)
    final = (grades_dir / FINAL_FILE).is_file()
    path = grades_dir / (FINAL_FILE if final else GRADES_FILE)
    if not (grades_dir / GRADES_FILE).is_file():
        raise AutograderError(f"{grades_dir}: no {GRADES_FILE}; run `autograder grade` first")
    refusal = stale_refusal(grades_dir) if final else ""
    if refusal:  # never the scores of an older grading: `api.export` merges again first where it may
        raise AutograderError(refusal)
    columns, raw_rows = _read_csv(path)
    _check_columns(path, columns, assignment, final)
    expected_max = assignment.max_score + (assignment.manual_points if final else 0.0)
    rows, warnings = {}, []
    for line, row in enumerate(raw_rows, start=2):
        where = f"{path}:{line}"
        sid = (row.get("student_id") or "").strip()
        if not sid:
            raise AutograderError(f"{where}: empty student_id")
        if sid in rows:
            raise AutograderError(f"{where}: {sid} appears twice")
        if abs(_number(row["max_score"], where) - expected_max) > 1e-6:
            raise AutograderError(f"{where}: max_score {row['max_score']} is not {assignment.name}'s "
                                  f"{expected_max:g}; is this folder from another assignment or version?")
        rows[sid] = {"status": row["status"], "score": _score(row, where)}
    if not final and assignment.questions:
        warnings.append(f"no {FINAL_FILE}: exporting autograded points only, without the "
                        f"{assignment.manual_points:g} points of written questions (run `autograder merge-manual`)")
    return assignment, rows, warnings


# ---- matching grades, roster and submission times ---------------------------------------------------


def match_rows(grades: dict[str, dict], roster: Roster) -> tuple[dict[str, tuple[str, dict]], list[Unmatched]]:
    """Roster student_id -> (grades key, row); and the grades rows nobody in the roster owns."""
    matched: dict[str, tuple[str, dict]] = {}
    unmatched = []
    for key, row in sorted(grades.items()):
        student, why = roster.match(key)
        if student is None:
            unmatched.append(Unmatched(key, row["status"], row["score"], why))
        elif student.student_id in matched:
            other = matched[student.student_id][0]
            raise AutograderError(f"grades rows {other} and {key} are both roster student {student.student_id}; "
                                  f"keep one submission per student")
        else:
            matched[student.student_id] = (key, row)
    if grades and not matched:
        raise AutograderError(f"none of the {len(grades)} graded students is in the roster {roster.path} "
                              f"(e.g. {next(iter(sorted(grades)))}); do its ids name the submissions?")
    return matched, unmatched


def load_times(grades_dir: Path, times_path: Path | None, roster: Roster, warnings: list[str],
               unmatched: list[Unmatched]) -> dict[str, SubmissionTime]:
    """Submission times by roster student_id: the import's DIR/submission_times.csv, then --times on top."""
    times: dict[str, SubmissionTime] = {}
    unknown, reported = [], {u.student_id for u in unmatched}
    sources = [grades_dir / TIMES_FILE] if (grades_dir / TIMES_FILE).is_file() else []
    sources += [Path(times_path)] if times_path else []
    for path in sources:
        for t in read_times(path):
            student, _ = roster.match(t.student_id)
            if student is None:
                unknown += [] if t.student_id in reported else [t.student_id]
            else:
                times[student.student_id] = t
    if unknown:
        shown = ", ".join(sorted(set(unknown))[:10])
        warnings.append(f"submission times of students not in the roster ignored: {shown}")
    return times


def with_import_reasons(grades_dir: Path, unmatched: list[Unmatched]) -> list[Unmatched]:
    """Say why the import of a platform download could not place a student (DIR/imported.csv), when it says."""
    log = grades_dir / IMPORT_LOG
    if not unmatched or not log.is_file():
        return unmatched
    notes = {row["student_id"]: row["note"] for row in _read_csv(log)[1] if row.get("note")}
    return [replace(u, reason=notes[u.student_id]) if u.student_id in notes else u for u in unmatched]


def resolve_policy(assignment: Assignment, override: str | None, no_late: bool) -> LatePolicy | None:
    if no_late:
        return None
    return parse_override(override, assignment.late_policy) if override else assignment.late_policy


def build_rows(assignment: Assignment, roster: Roster, matched: dict[str, tuple[str, dict]],
               times: dict[str, SubmissionTime], policy: LatePolicy | None) -> list[Row]:
    """One row per roster student, in roster order."""
    max_points = assignment.max_score + assignment.manual_points
    rows = []
    for student in roster.students:
        if student.student_id not in matched:
            rows.append(Row(student, MISSING, 0.0, max_points, None, Lateness(0.0, 0.0, "no submission"), 0.0, 0.0))
            continue
        grade = matched[student.student_id][1]
        time = times.get(student.student_id)
        lateness = assess(policy, assignment.due, time)
        penalty, final = (None, None) if grade["score"] is None else apply(policy, lateness, grade["score"],
                                                                           max_points)
        rows.append(Row(student, grade["status"], grade["score"], max_points, time, lateness, penalty, final))
    return rows


# ---- the platforms' formats -------------------------------------------------------------------------


def _to_csv(rows: list[list[str]], quote_all: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return buffer.getvalue()


def _refuse_formula_ids(rows: list[Row], columns: tuple[str, ...], platform: str) -> None:
    """The ids a platform matches students on are written as they are, never escaped (escaping would stop the
    match): a usage error when one would start like a spreadsheet formula."""
    bad = [f"{r.student.student_id}'s {c} {getattr(r.student, c)!r}" for r in rows for c in columns
           if formula_like(getattr(r.student, c))]
    if bad:
        raise AutograderError(f"{platform} matches students on {' / '.join(columns)}; these start like a spreadsheet "
                              f"formula (=, +, -, @, tab, return), and escaping them would stop {platform} finding "
                              f"the student: {'; '.join(bad[:10])}; fix it in the roster")


PLATFORM_ID_WHERE = {"canvas": "the number at the end of the assignment's Canvas address, .../assignments/<id>",
                     "blackboard": "the Grade Center column id, e.g. _123456_1"}


def _platform_id(assignment: Assignment, platform: str, given: str | None) -> str:
    """The assignment's id on the platform: --platform-id, else [platform_ids]; the flag is what the message
    offers first (one export, no file to edit), the course's configuration second (every later export)."""
    value = (given or assignment.platform_ids.get(platform, "")).strip()
    if not value:
        raise AutograderError(f"{assignment.name} has no {platform} id: pass --platform-id ID "
                              f"({PLATFORM_ID_WHERE[platform]}); to keep it for every export, add `{platform} = \"ID\"` under [platform_ids] in "
                              f"{assignment.root / 'assignment.toml'}")
    return value


def _require(roster: Roster, columns: tuple[str, ...], platform: str) -> None:
    lacking = roster.lacking(columns)
    if lacking:
        ids = ", ".join(s.student_id for s in lacking[:10]) + (" ..." if len(lacking) > 10 else "")
        raise AutograderError(f"{roster.path}: {platform} needs {' or '.join(columns)} for every student; "
                              f"missing for {len(lacking)}: {ids}")


def canvas_csv(assignment: Assignment, roster: Roster, rows: list[Row], platform_id: str | None,
               title: str | None) -> str:
    """Canvas's gradebook import: the student columns, one `Title (id)` column, a Points Possible row."""
    canvas_id = _platform_id(assignment, "canvas", platform_id)
    if not canvas_id.isdigit():
        raise AutograderError(f"canvas id {canvas_id!r} must be the number in the assignment's Canvas address "
                              f"(.../assignments/<id>)")
    title = (title or assignment.title).strip()
    clash = [word for word in CANVAS_TOTALS if word in title]
    if clash:
        raise AutograderError(f"Canvas ignores a column whose name contains {clash[0]!r}; pass --title")
    _require(roster, CANVAS_IDS, "canvas")
    _refuse_formula_ids(rows, CANVAS_IDS, "Canvas")
    table = [[*CANVAS_STUDENT_COLUMNS, spreadsheet_safe(f"{title} ({canvas_id})")],
             ["Points Possible", "", "", "", "", fmt(rows[0].max_points if rows else assignment.max_score)]]
    table += [[spreadsheet_safe(r.student.sortable_name), r.student.canvas_user_id, r.student.sis_user_id,
               r.student.sis_login_id, spreadsheet_safe(r.student.section), fmt(r.final)] for r in rows]
    return _to_csv(table)


def moodle_csv(assignment: Assignment, roster: Roster, rows: list[Row], identity: str, title: str | None) -> str:
    """Moodle's CSV grade import: one identity column, one grade column; map both in Moodle's import form."""
    if identity not in MOODLE_IDENTITIES:
        raise AutograderError(f"--moodle-identity must be one of {', '.join(MOODLE_IDENTITIES)}")
    column, label = MOODLE_IDENTITIES[identity]
    _require(roster, (column,), f"moodle (identified by {identity})")
    _refuse_formula_ids(rows, (column,), "Moodle")
    over = [r.student.student_id for r in rows if r.final is not None and r.final > r.max_points + 1e-9]
    if over:
        raise AutograderError(f"scores above the {rows[0].max_points:g} points possible for {', '.join(over[:10])}: "
                              f"Moodle rejects the whole import")
    table = [[label, spreadsheet_safe((title or assignment.title).strip())]]
    table += [[getattr(r.student, column), MOODLE_NO_GRADE if r.final is None else fmt(r.final)] for r in rows]
    return _to_csv(table)


def blackboard_csv(assignment: Assignment, roster: Roster, rows: list[Row], platform_id: str | None,
                   title: str | None) -> str:
    """Blackboard Learn's Grade Center upload: names, Username, `Name [Total Pts: N Score] |column id`, all quoted."""
    given = _platform_id(assignment, "blackboard", platform_id)
    match = re.fullmatch(r"_?(\d+)(?:_\d+)?", given)
    if not match:
        raise AutograderError(f"blackboard id {given!r} must be the Grade Center column id (e.g. 123456 or _123456_1)")
    _require(roster, ("blackboard_username",), "blackboard")
    _refuse_formula_ids(rows, ("blackboard_username",), "Blackboard")
    name = (title or assignment.title).strip().replace("|", "/").replace("[", "(").replace("]", ")")
    points = fmt(rows[0].max_points if rows else assignment.max_score)
    column = spreadsheet_safe(f"{name} [Total Pts: {points} Score] |{match[1]}")
    table = [["Last Name", "First Name", "Username", column]]
    table += [[spreadsheet_safe(r.student.last_name), spreadsheet_safe(r.student.first_name),
               r.student.blackboard_username, fmt(r.final)] for r in rows]
    return _to_csv(table, quote_all=True)


def _late_values(r: Row) -> list[str]:
    submitted = r.time.submitted_at.isoformat() if r.time and r.time.submitted_at else ""
    late = "true" if (r.lateness.days_late > 0 or (r.time and r.time.late_flag)) else "false"
    return [spreadsheet_safe(r.status), submitted, late, fmt(r.lateness.days_late), fmt(r.raw),
            fmt(r.lateness.percent), fmt(r.penalty), fmt(r.final), fmt(r.max_points), spreadsheet_safe(r.lateness.note)]


def late_csv(rows: list[Row]) -> str:
    return _to_csv([LATE_COLUMNS] + [[spreadsheet_safe(r.student.student_id), *_late_values(r)] for r in rows])


def plain_csv(rows: list[Row]) -> str:
    """Our own CSV: identity, status, raw score, late penalty and final score; no text cell runs as a formula."""
    people = [[spreadsheet_safe(v) for v in (s.student_id, s.first_name, s.last_name, s.email, s.section)]
              for s in (r.student for r in rows)]
    return _to_csv([CSV_COLUMNS] + [[*who, *_late_values(r)] for who, r in zip(people, rows)])


def unmatched_csv(unmatched: list[Unmatched]) -> str:
    return _to_csv([UNMATCHED_COLUMNS] + [[spreadsheet_safe(u.student_id), spreadsheet_safe(u.status), fmt(u.score),
                                           spreadsheet_safe(u.reason)] for u in unmatched])


# ---- the whole export --------------------------------------------------------------------------------


def export(platform: str, grades_dir: Path, roster_path: Path, out: Path, *, assignment_name: str | None = None,
           times_path: Path | None = None, late_policy: str | None = None, no_late_policy: bool = False,
           platform_id: str | None = None, moodle_identity: str = "email", title: str | None = None) -> ExportResult:
    """Check everything, then write `out`, DIR/late.csv and DIR/unmatched.csv (holding DIR, like `grade`)."""
    if platform == "gradescope":
        raise AutograderError(GRADESCOPE_MESSAGE)
    if platform not in PLATFORMS:
        raise AutograderError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}")
    grades_dir, out = Path(grades_dir), Path(out)
    if out.is_dir():
        raise AutograderError(f"--out {out} is a folder; give a file name, e.g. {out / (platform + '.csv')}")
    assignment, grades, warnings = read_grades(grades_dir, assignment_name)
    roster = load_roster(roster_path)
    policy = resolve_policy(assignment, late_policy, no_late_policy)
    matched, unmatched = match_rows(grades, roster)
    unmatched = with_import_reasons(grades_dir, unmatched)
    times = load_times(grades_dir, times_path, roster, warnings, unmatched)
    rows = build_rows(assignment, roster, matched, times, policy)
    if policy is None and any(r.lateness.days_late for r in rows):
        warnings.append("late submissions, but no late policy: no penalty applied (add [late_policy] to "
                        "assignment.toml or pass --late-policy)")
    text = {"canvas": lambda: canvas_csv(assignment, roster, rows, platform_id, title),
            "moodle": lambda: moodle_csv(assignment, roster, rows, moodle_identity, title),
            "blackboard": lambda: blackboard_csv(assignment, roster, rows, platform_id, title),
            "csv": lambda: plain_csv(rows)}[platform]()
    files = {"out": out, "late": grades_dir / LATE_FILE, "unmatched": grades_dir / UNMATCHED_FILE}
    refuse_links(files.values())
    with hold(grades_dir):
        atomic_write(out, text)
        atomic_write(files["late"], late_csv(rows))
        atomic_write(files["unmatched"], unmatched_csv(unmatched))
    return ExportResult(platform, assignment, out, rows, unmatched, policy, warnings, files)


def _points(score: float | None) -> str:
    return "not graded" if score is None else f"{fmt(score)} points"


def _problem_lines(result: ExportResult) -> list[str]:
    """The rows not graded and the submissions not in the roster, one line each; ids and reasons (from the
    students' files) printed without terminal escapes."""
    lines, shown = [], lambda text: terminal_safe(text, one_line=True)
    if result.not_graded:
        lines.append(f"  {len(result.not_graded)} not graded (no grade written): the grader failed on them")
        lines += [f"  ! {shown(r.student.student_id)}: not graded ({r.status}): no grade written; grade it again"
                  for r in result.not_graded]
    if result.unmatched:
        lines.append(f"  {len(result.unmatched)} graded submission(s) not in the roster, kept out of the export "
                     f"(listed in {result.files['unmatched']}):")
        lines += [f"  ! {shown(u.student_id)} ({shown(u.status)}, {_points(u.score)}): {shown(u.reason)}"
                  for u in result.unmatched]
    return lines


def summary(result: ExportResult) -> str:
    """The lines `autograder export` prints."""
    rows = result.rows
    counts = {"missing": sum(r.status == MISSING for r in rows),
              "late": sum(r.lateness.days_late > 0 for r in rows),
              "penalised": sum((r.penalty or 0) > 0 for r in rows)}
    lines = [f"{result.assignment.name} -> {result.platform}: {len(rows)} roster students "
             f"({len(rows) - counts['missing']} with a submission, {counts['missing']} missing: zero), "
             f"{counts['late']} late, {counts['penalised']} penalised",
             f"  late policy: {result.policy.describe() if result.policy else 'none'}"]
    lines += [f"  warning: {terminal_safe(w, one_line=True)}" for w in result.warnings]
    lines += _problem_lines(result)
    lines.append(f"Wrote {result.out}  Late: {result.files['late']}  Unmatched: {result.files['unmatched']}")
    return "\n".join(lines)
