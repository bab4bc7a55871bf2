"""Gradebook exports, each checked by a validator written from the platform's published import rules.

The validators below read a file the way the platform's importer does; they
know nothing of `autograder.gradebooks.export`. Where each rule comes from:

- Canvas: app/models/gradebook_importer.rb in instructure/canvas-lms (header
  detection, the Points Possible row, the total columns it drops, the
  `Title (id)` pattern of Assignment.title_and_id, the `;` delimiter guess
  and the decimal-comma converter), the issues instructure/canvas-lms#1394
  (quoted "1,234.56" split across columns) and #2134 (a column named like a
  total is ignored), and Canvas's "Gradebook Action Menu" notes on read-only
  columns.
- Moodle: MoodleDocs "Grade import" (map from/map to a user field; email
  matching is case sensitive) and lib/csvlib.class.php and
  grade/import/csv/classes/load_data.php in moodle/moodle (every row has the
  header's number of fields; '' or '-' is no grade; an unknown user fails
  the import; grade/tests/behat/grade_import.feature: a grade above the
  item's maximum fails the whole import).
- Blackboard Learn: "Uploading External Grade Center Items" (Blackboard help
  library): students are matched by Username, columns by the column id after
  '|', and in a comma-delimited file every value is within quotes.
"""
from __future__ import annotations

import csv
import io
import re
import textwrap

import pandas as pd
import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.core import results
from autograder.core.course import get_assignment
from autograder.core.errors import AutograderError
from autograder.core.latepolicy import LatePolicy, parse_override
from autograder.exitcodes import ExitCode
from autograder.gradebooks import export as E
from autograder.gradebooks.late import Lateness, SubmissionTime, apply, assess, parse_time, read_times
from autograder.reports.frames import grades_frame

# ---- validators, from the platforms' published import behaviour ------------------------------------

CANVAS_TOTALS = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
                           "Override Score|Override Grade|Override Status")
CANVAS_TITLE_AND_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z")
PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _canvas_delimiter(lines: list[str]) -> str:
    """gradebook_importer.rb identify_delimiter: ';' wins when its field count is steady and larger."""
    counts = {}
    for sep in (";", ","):
        sizes = [len(next(csv.reader([line], delimiter=sep))) for line in lines[:3]]
        counts[sep] = sizes[0] if len(set(sizes)) == 1 else 0
    return ";" if counts[";"] > counts[","] else ","


def _canvas_student_columns(header: list[str]) -> int:
    """How many leading columns describe the student (update_column_count)."""
    n = 3
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        n += 1
    elif re.search(r"SIS\s+User\s+ID", header[2]) and len(header) > 3 and re.search(r"SIS\s+Login\s+ID", header[3]):
        n += 2 + (1 if len(header) > 4 and re.search(r"Integration\s+ID", header[4]) else 0)
    return n


def _canvas_header_problems(header: list[str]) -> tuple[int, list[str]]:
    if not (len(header) > 3 and "Student" in header[0] and "ID" in header[1]):
        return 0, ["invalid header row: Canvas wants 'Student' then 'ID' first"]
    n = _canvas_student_columns(header)
    if len(header) < n or "Section" not in header[n - 1]:
        return n, ["invalid header row: the student columns must end with 'Section'"]
    problems = []
    columns = header[n:]
    for name in columns:
        if CANVAS_TOTALS.search(name):
            problems.append(f"column {name!r} looks like a total: Canvas ignores it")
        elif not CANVAS_TITLE_AND_ID.match(name):
            problems.append(f"column {name!r} has no '(assignment id)': Canvas would match by title or create one")
    if not columns:
        problems.append("no assignment column")
    return n, problems


def _canvas_score_problem(cell: str) -> str:
    if cell == "" or cell.upper() == "EX":
        return ""
    if cell != cell.strip():
        return f"score {cell!r} is padded"
    if PLAIN_NUMBER.match(cell):
        return ""
    if re.match(r"^-?[0-9.,]+%?$", cell):  # the importer's decimal_comma_to_period converter
        parts = re.split(r"[,.]", cell)
        return f"score {cell!r} would be read as {''.join(parts[:-1])}.{parts[-1]}"
    return f"score {cell!r} is not a number"


def canvas_would_accept(data: bytes) -> list[str]:
    """Problems Canvas's gradebook import would have with this CSV (empty: it imports as meant)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ["not UTF-8"]
    lines = text.splitlines()
    if not lines:
        return ["empty file"]
    if _canvas_delimiter(lines) != ",":
        return ["Canvas would read this file as ';'-delimited"]
    rows = [r for r in csv.reader(io.StringIO(text)) if not all(c.strip(" ;,") == "" for c in r)]
    header = rows[0]
    n, problems = _canvas_header_problems(header)
    if any(p.startswith("invalid header") for p in problems):
        return problems
    if len(rows) < 2 or "Points Possible" not in rows[1][0]:
        problems.append("second row is not the Points Possible row")
    seen = set()
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            problems.append(f"line {line}: {len(row)} fields, header has {len(header)}")
            continue
        problems += [f"line {line}: {p}" for p in map(_canvas_score_problem, row[n:]) if p]
        if "Points Possible" in row[0]:
            continue
        key = tuple(row[1:n - 1])  # Canvas ID, then the SIS ids (process_student)
        if not (row[1].isdigit() or any(row[2:n - 1])):
            problems.append(f"line {line}: no Canvas ID or SIS id: Canvas would match {row[0]!r} by name")
        if key in seen:
            problems.append(f"line {line}: student {key} appears twice")
        seen.add(key)
    return problems


MOODLE_USER_FIELDS = {"Email address", "ID number", "Username", "id"}


def moodle_would_accept(data: bytes, users: set[str], grademax: float) -> list[str]:
    """Problems of Moodle's CSV grade import, mapping the first column to a user field and the others to grade
    items of maximum `grademax`; `users` holds the values Moodle knows in that field (case sensitive)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ["not UTF-8"]
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return ["empty file (csvemptyfile)"]
    header, problems = rows[0], []
    if any(len(r) != len(header) for r in rows):
        return ["rows with another number of fields than the header (csvweirdcolumns): import refused"]
    if header[0] not in MOODLE_USER_FIELDS or len(header) < 2:
        problems.append(f"first column {header[0]!r} is not a user field, or no grade column")
    seen = set()
    for line, row in enumerate(rows[1:], start=2):
        who = row[0]
        if not who:
            problems.append(f"line {line}: blank user field: the row is skipped")
        elif who not in users:
            problems.append(f"line {line}: no user {who!r} (usermappingerror): import failed")
        if who in seen:
            problems.append(f"line {line}: {who} appears twice")
        seen.add(who)
        for cell in row[1:]:
            if cell.strip() in ("", "-"):
                continue
            if not PLAIN_NUMBER.match(cell.strip()):
                problems.append(f"line {line}: {cell!r} is not a grade (badgrade)")
            elif float(cell) > grademax:
                problems.append(f"line {line}: {cell} is above the grade maximum {grademax:g}: import failed")
            elif float(cell) < 0:
                problems.append(f"line {line}: {cell} is below the grade minimum 0")
    return problems


QUOTED_LINE = re.compile(r'^"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*$')
BLACKBOARD_COLUMN = re.compile(r"^(?P<name>.+) \[Total Pts: (?:up to )?(?P<points>\d+(?:\.\d+)?) "
                               r"(?:Score|Text|Percentage|Complete/Incomplete|Letter)\] \|(?P<id>\d+)$")


def blackboard_would_accept(data: bytes, usernames: set[str]) -> list[str]:
    """Problems of a comma-delimited Blackboard Learn Grade Center upload."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ["not UTF-8"]
    lines = text.splitlines()
    problems = [f"line {i}: not every value is within quotes"
                for i, line in enumerate(lines, 1) if not QUOTED_LINE.match(line)]
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    if header[:3] != ["Last Name", "First Name", "Username"]:
        problems.append(f"header starts {header[:3]}, not Last Name, First Name, Username")
        return problems
    grade_columns = header[3:]
    for name in grade_columns:
        if not BLACKBOARD_COLUMN.match(name):
            problems.append(f"column {name!r} has no '|column id': Blackboard would add a new text column")
    if not grade_columns:
        problems.append("no grade column")
    seen = set()
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            problems.append(f"line {line}: {len(row)} fields, header has {len(header)}")
            continue
        if row[2] not in usernames:
            problems.append(f"line {line}: no user {row[2]!r}")
        if row[2] in seen:
            problems.append(f"line {line}: {row[2]} appears twice")
        seen.add(row[2])
        problems += [f"line {line}: {c!r} is not a number" for c in row[3:] if c and not PLAIN_NUMBER.match(c)]
    return problems


# ---- the validators catch what they should ---------------------------------------------------------

GOOD_CANVAS = ('Student,ID,SIS User ID,SIS Login ID,Section,Essay (77)\r\n'
               'Points Possible,,,,,10\r\n"Doe, Jane",5,S5,jdoe,Sec 1,9.5\r\n')


@pytest.mark.parametrize("text, problem", [
    (GOOD_CANVAS.replace("Section,", "Group,"), "invalid header row"),
    (GOOD_CANVAS.replace("Essay (77)", "Essay"), "has no '(assignment id)'"),
    (GOOD_CANVAS.replace("Essay (77)", "Final Score (77)"), "looks like a total"),
    (GOOD_CANVAS.replace("Points Possible,,,,,10\r\n", ""), "not the Points Possible row"),
    (GOOD_CANVAS.replace(",9.5", ',"1,234.5"'), "would be read as"),
    (GOOD_CANVAS.replace(",9.5", ",9,5"), "';'-delimited"),  # the comma count varies: Canvas guesses ';'
    (GOOD_CANVAS + '"Roe, Ann",6,S6,aroe,Sec 1,8,1\r\n', "fields, header has"),
    (GOOD_CANVAS.replace(",9.5", ", 9.5"), "is padded"),
    (GOOD_CANVAS.replace(",5,S5,jdoe,", ",,,,"), "by name"),
    (GOOD_CANVAS.replace(",", ";").replace('"Doe; Jane"', '"Doe, Jane"'), "';'-delimited"),
])
def test_canvas_validator_flags_what_canvas_would_refuse(text, problem):
    assert canvas_would_accept(GOOD_CANVAS.encode()) == []
    assert any(problem in p for p in canvas_would_accept(text.encode())), canvas_would_accept(text.encode())


def test_moodle_and_blackboard_validators_flag_what_the_platforms_would_refuse():
    good = b"Email address,Essay\r\na@x.org,3\r\nb@x.org,-\r\n"
    users = {"a@x.org", "b@x.org"}
    assert moodle_would_accept(good, users, 10) == []
    assert "csvweirdcolumns" in moodle_would_accept(b"Email address,Essay\r\na@x.org,3,1\r\n", users, 10)[0]
    assert "above the grade maximum" in moodle_would_accept(good.replace(b",3", b",11"), users, 10)[0]
    assert "usermappingerror" in moodle_would_accept(good.replace(b"a@x", b"A@x"), users, 10)[0]
    assert "badgrade" in moodle_would_accept(good.replace(b",3", b",three"), users, 10)[0]
    good_bb = b'"Last Name","First Name","Username","Essay [Total Pts: 10 Score] |123"\r\n"Doe","Jane","jd","4"\r\n'
    assert blackboard_would_accept(good_bb, {"jd"}) == []
    assert "within quotes" in blackboard_would_accept(good_bb.replace(b'"4"', b"4"), {"jd"})[0]
    assert "no '|column id'" in blackboard_would_accept(good_bb.replace(b" |123", b""), {"jd"})[0]
    assert "no user" in blackboard_would_accept(good_bb, {"someone"})[0]


# ---- a graded toy class, written as `autograder grade` writes it ------------------------------------

ROSTER = """\
student_id,first_name,last_name,email,section,canvas_user_id,sis_user_id,sis_login_id,moodle_idnumber,\
blackboard_username
s1,Ada,Example,ada@example.edu,A,1001,SIS-1,ada,M1,ada.bb
s2,Bo,"Sample, Jr.",bo@example.edu,A,1002,SIS-2,bo,M2,bo.bb
s3,Cy,Absent,cy@example.edu,B,1003,SIS-3,cy,M3,cy.bb
s4,Di,Late,di@example.edu,B,1004,,,M4,di.bb
"""
POLICY = ('\n[platform_ids]\ncanvas = "4242"\nblackboard = "_777_1"\n'
          '\n[late_policy]\npercent_per_day = 10\nmax_percent = 30\n')
# toy: test_square_shape 1, test_square_values 2, test_cube_values 1 (4 points) + q1, 2 written points.
POINTS = {"s1": (1, 2, 1), "s2": (1, 2, 0), "s4": (1, 2, 1), "stranger": (1, 0, 0)}


def _result(sid: str, points: tuple[float, ...]) -> results.SubmissionResult:
    tests = [("test_square_shape", 1.0), ("test_square_values", 2.0), ("test_cube_values", 1.0)]
    outcomes = tuple(results.TestOutcome(t, "hidden", p, m, "passed" if p == m else "failed", "", 0.0)
                     for (t, m), p in zip(tests, points))
    return results.SubmissionResult(sid, "graded", "", outcomes, 0.1)


@pytest.fixture
def course(toy_course):
    toml = toy_course / "assignments" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text() + POLICY)
    return toy_course


@pytest.fixture
def graded(course, tmp_path):
    out = tmp_path / "grades"
    (out / ".results").mkdir(parents=True)
    (out / ".results" / "assignment").write_text("toy\n")
    frame = grades_frame(get_assignment("toy"), [_result(s, p) for s, p in POINTS.items()])
    (out / "grades.csv").write_text(frame.to_csv(index=False))
    # due 2026-09-01T23:59Z: s2 on time, s4 two started days late, s1 inside no grace (none set) but early
    (out / "submission_times.csv").write_text("student_id,submitted_at,late\n"
                                              "s1,2026-09-01T10:00:00+00:00,false\n"
                                              "s2,2026-09-01T23:59:00Z,false\n"
                                              "s4,2026-09-03T08:00:00+00:00,true\n")
    (tmp_path / "roster.csv").write_text(ROSTER)
    return out


def _export(graded, platform, **options):
    out = graded.parent / f"{platform}.csv"
    return E.export(platform, graded, graded.parent / "roster.csv", out, **options), out


def test_canvas_export_passes_canvas_import_rules(graded):
    result, out = _export(graded, "canvas")
    assert canvas_would_accept(out.read_bytes()) == []
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Toy: squares (4242)"]
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) == pytest.approx(6.0)  # 4 auto + 2 written
    scores = {r[1]: float(r[5]) for r in rows[2:]}
    # s4: 4 points, two started days late at 10%/day -> 3.2; s3 has no submission -> 0; stranger is left out
    assert scores == pytest.approx({"1001": 4.0, "1002": 3.0, "1003": 0.0, "1004": 3.2})
    assert [u.student_id for u in result.unmatched] == ["stranger"]


def test_moodle_export_passes_moodle_import_rules(graded):
    _, out = _export(graded, "moodle")
    emails = {"ada@example.edu", "bo@example.edu", "cy@example.edu", "di@example.edu"}
    assert moodle_would_accept(out.read_bytes(), emails, grademax=6.0) == []
    _, out = _export(graded, "moodle", moodle_identity="idnumber")
    assert moodle_would_accept(out.read_bytes(), {"M1", "M2", "M3", "M4"}, grademax=6.0) == []
    assert out.read_text().splitlines()[0] == "ID number,Toy: squares"


def test_blackboard_export_passes_blackboard_upload_rules(graded):
    _, out = _export(graded, "blackboard")
    assert blackboard_would_accept(out.read_bytes(), {"ada.bb", "bo.bb", "cy.bb", "di.bb"}) == []
    header = next(csv.reader(io.StringIO(out.read_text())))
    match = re.match(r".+ \[Total Pts: (\S+) Score\] \|(\d+)$", header[3])
    assert match and float(match[1]) == pytest.approx(6.0) and match[2] == "777"
    rows = {r[2]: r for r in csv.reader(io.StringIO(out.read_text()))}
    assert rows["bo.bb"][:2] == ["Sample, Jr.", "Bo"]


def test_csv_export_and_late_csv_show_raw_penalty_and_final(graded):
    result, out = _export(graded, "csv")
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    for r in rows.values():
        assert float(r["raw_score"]) - float(r["penalty"]) == pytest.approx(float(r["final_score"]), abs=1e-9)
    assert rows["s4"]["days_late"] == "2" and float(rows["s4"]["penalty_percent"]) == pytest.approx(20.0)
    assert float(rows["s4"]["penalty"]) == pytest.approx(0.8)
    assert rows["s3"]["status"] == "missing" and float(rows["s3"]["final_score"]) == 0.0
    assert rows["s2"]["late"] == "false" and float(rows["s2"]["penalty"]) == 0.0  # exactly at the due time
    late = {r["student_id"]: r for r in csv.DictReader(io.StringIO((graded / "late.csv").read_text()))}
    assert set(late) == {"s1", "s2", "s3", "s4"} and late["s4"]["final_score"] == rows["s4"]["final_score"]
    unmatched = list(csv.DictReader(io.StringIO((graded / "unmatched.csv").read_text())))
    assert [u["student_id"] for u in unmatched] == ["stranger"] and "not in the roster" in unmatched[0]["reason"]
    assert any("without the 2 points of written questions" in w for w in result.warnings)


def test_override_and_no_late_policy(graded):
    _, out = _export(graded, "csv", late_policy="percent_per_day=50,max_percent=100")
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert float(rows["s4"]["final_score"]) == pytest.approx(0.0)  # two days at 50%
    _, out = _export(graded, "csv", no_late_policy=True)
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert float(rows["s4"]["final_score"]) == pytest.approx(4.0) and rows["s4"]["days_late"] == "2"


def test_final_grades_are_preferred_and_include_written_points(graded):
    (graded / "final_grades.csv").write_text(textwrap.dedent("""\
        student_id,status,auto_score,auto_max,written:q1,manual_score,manual_max,score,max_score
        s1,graded,4.0,4.0,1.5,1.5,2.0,5.5,6.0
        s2,graded,3.0,4.0,2.0,2.0,2.0,5.0,6.0
        s4,graded,4.0,4.0,2.0,2.0,2.0,6.0,6.0
        stranger,graded,1.0,4.0,0.0,0.0,2.0,1.0,6.0
        """))
    result, out = _export(graded, "canvas")
    assert canvas_would_accept(out.read_bytes()) == []
    scores = {r[1]: float(r[5]) for r in list(csv.reader(io.StringIO(out.read_text())))[2:]}
    assert scores == pytest.approx({"1001": 5.5, "1002": 5.0, "1003": 0.0, "1004": 4.8})
    assert [u.student_id for u in result.unmatched] == ["stranger"]
    assert not any("written" in w for w in result.warnings)


def _snapshot(folder):
    return sorted((p.relative_to(folder), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("change, platform, options, message", [
    ("roster_dupe", "canvas", {}, "duplicate ids: student_id 's1' is shared"),
    ("roster_nobody", "canvas", {}, "none of the 4 graded students is in the roster"),
    ("roster_no_column", "canvas", {}, "missing column(s) student_id"),
    ("no_canvas_id", "canvas", {}, "toy has no canvas id"),
    ("", "canvas", {"platform_id": "abc"}, "must be the number in the assignment's Canvas address"),
    ("", "canvas", {"title": "Final Grade project"}, "Canvas ignores a column whose name contains 'Final Grade'"),
    ("", "canvas", {"assignment_name": "hw2"}, "holds grades of toy, not hw2"),
    ("other_tests", "canvas", {}, "its test columns are not toy's tests"),
    ("other_max", "csv", {}, "max_score 30.0 is not toy's 4"),
    ("no_usernames", "blackboard", {}, "blackboard needs blackboard_username for every student"),
    ("over_max", "moodle", {}, "Moodle rejects the whole import"),
    ("", "gradescope", {}, "autograder gradescope ASSIGNMENT"),
    ("", "csv", {"late_policy": "per_day=10"}, "unknown late_policy key(s) per_day"),
])
def test_bad_input_is_a_clear_error_and_nothing_is_written(graded, course, change, platform, options, message):
    roster = graded.parent / "roster.csv"
    if change == "roster_dupe":
        roster.write_text(ROSTER + "s1,Ann,Other,ann@example.edu,A,1009,SIS-9,ann,M9,ann.bb\n")
    elif change == "roster_nobody":
        roster.write_text(ROSTER.replace("\ns", "\nx"))
    elif change == "roster_no_column":
        roster.write_text(ROSTER.replace("student_id,", "id,"))
    elif change == "no_canvas_id":
        toml = course / "assignments" / "toy" / "assignment.toml"
        toml.write_text(toml.read_text().replace('canvas = "4242"\n', ""))
    elif change == "other_tests":
        text = (graded / "grades.csv").read_text()
        (graded / "grades.csv").write_text(text.replace("test_cube_values", "test_relu_backward"))
    elif change == "other_max":
        text = (graded / "grades.csv").read_text()
        (graded / "grades.csv").write_text(text.replace(",4.0,graded", ",30.0,graded"))
    elif change == "no_usernames":
        roster.write_text(ROSTER.replace(",ada.bb", ","))
    elif change == "over_max":
        (graded / "final_grades.csv").write_text(
            "student_id,status,auto_score,auto_max,written:q1,manual_score,manual_max,score,max_score\n"
            "s1,graded,4.0,4.0,3.0,3.0,2.0,7.0,6.0\ns2,graded,3.0,4.0,0.0,0.0,2.0,3.0,6.0\n"
            "s4,graded,4.0,4.0,0.0,0.0,2.0,4.0,6.0\nstranger,graded,1.0,4.0,0.0,0.0,2.0,1.0,6.0\n")
    before = _snapshot(graded.parent)
    with pytest.raises(AutograderError) as info:
        _export(graded, platform, **options)
    assert message in str(info.value)
    assert _snapshot(graded.parent) == before


@pytest.mark.parametrize("platform", ["canvas", "blackboard"])
def test_a_missing_platform_id_suggests_the_flag_before_a_config_edit(graded, course, platform):
    toml = course / "assignments" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text().replace('canvas = "4242"\n', "").replace('blackboard = "_777_1"\n', ""))
    with pytest.raises(AutograderError) as info:
        _export(graded, platform)
    message = str(info.value)
    assert "--platform-id" in message and "[platform_ids]" in message
    assert message.index("--platform-id") < message.index("[platform_ids]"), message


def test_export_command_reports_unmatched_and_exits_1(graded):
    out = graded.parent / "canvas.csv"
    result = CliRunner().invoke(main, ["export", "canvas", str(graded), "--roster", str(graded.parent / "roster.csv"),
                                       "--out", str(out)])
    assert result.exit_code == ExitCode.NOT_GRADED, result.output
    assert "toy -> canvas: 4 roster students (3 with a submission, 1 missing: zero), 1 late, 1 penalised" \
        in result.output
    assert "! stranger (graded, 1 points)" in result.output and canvas_would_accept(out.read_bytes()) == []
    bad = CliRunner().invoke(main, ["export", "canvas", str(graded), "--roster", str(graded.parent / "nope.csv"),
                                    "--out", str(out)])
    assert bad.exit_code == ExitCode.USAGE and "no such roster file" in bad.output


def test_grades_folder_that_is_not_one(course, tmp_path):
    (tmp_path / "roster.csv").write_text(ROSTER)
    with pytest.raises(AutograderError, match="not a grades folder"):
        E.export("csv", tmp_path, tmp_path / "roster.csv", tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


# ---- the late policy on its own ----------------------------------------------------------------------

def _at(text: str) -> SubmissionTime:
    return SubmissionTime("s", parse_time(text, "test"), False, "test")


def get_due():
    return parse_time("2026-09-01T23:59:00+00:00", "test")  # the toy course's due date


@pytest.mark.parametrize("submitted, policy, days, percent", [
    ("2026-09-01T23:59:00+00:00", LatePolicy(percent_per_day=10), 0, 0),
    ("2026-09-02T00:09:00+00:00", LatePolicy(percent_per_day=10, grace_minutes=15), 0, 0),
    ("2026-09-02T00:20:00+00:00", LatePolicy(percent_per_day=10, grace_minutes=15), 1, 10),
    ("2026-09-03T23:59:00+00:00", LatePolicy(percent_per_day=10), 2, 20),
    ("2026-09-04T00:00:00+00:00", LatePolicy(percent_per_day=10), 3, 30),
    ("2026-09-09T00:00:00+00:00", LatePolicy(percent_per_day=10, max_percent=50), 8, 50),
    ("2026-09-09T00:00:00+00:00", LatePolicy(percent_per_day=10, zero_after_days=7), 8, 100),
    ("2026-09-02T01:59:00+02:00", LatePolicy(percent_per_day=10), 0, 0),  # same instant as 23:59Z
])
def test_days_late_and_percent(submitted, policy, days, percent):
    due = get_due()
    lateness = assess(policy, due, _at(submitted))
    assert lateness.days_late == pytest.approx(days) and lateness.percent == pytest.approx(percent)


def test_penalty_basis_flag_without_time_and_no_due_date():
    assert apply(LatePolicy(percent_per_day=10), Lateness(2, 20, ""), 5.0, 10.0) == pytest.approx((1.0, 4.0))
    assert apply(LatePolicy(percent_per_day=10, basis="max"), Lateness(2, 20, ""), 5.0, 10.0) == \
        pytest.approx((2.0, 3.0))
    assert apply(LatePolicy(percent_per_day=10, basis="max"), Lateness(5, 50, ""), 3.0, 10.0) == \
        pytest.approx((3.0, 0.0))  # never below zero
    flagged = SubmissionTime("s", None, True, "canvas")
    assert assess(LatePolicy(percent_per_day=10, unknown_days=2), get_due(), flagged).percent == pytest.approx(20)
    assert assess(LatePolicy(percent_per_day=10), None, _at("2030-01-01T00:00:00Z")).percent == 0
    assert assess(None, get_due(), _at("2026-09-05T00:00:00Z")).days_late == pytest.approx(4)


def test_policy_parsing_in_assignment_toml_and_on_the_command_line(course):
    policy = get_assignment("toy").late_policy
    assert policy == LatePolicy(percent_per_day=10, max_percent=30)
    assert parse_override("grace_minutes=5, basis=max", policy) == LatePolicy(5, 10, 30, None, "max", 1)
    for bad, message in [("percent_per_day=120", "between 0 and 100"), ("basis=total", "must be one of"),
                         ("zero_after_days", "not key=value"), ("grace_minutes=-1", ">= 0")]:
        with pytest.raises(AutograderError, match=message):
            parse_override(bad, policy)
    toml = course / "assignments" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text().replace("max_percent = 30", "max_pct = 30"))
    with pytest.raises(AutograderError, match="unknown late_policy key"):
        get_assignment("toy")


def test_times_file_errors(tmp_path):
    path = tmp_path / "times.csv"
    for text, message in [("student,submitted_at\n", "missing column"),
                          ("student_id,submitted_at\ns1,yesterday\n", "not an ISO 8601"),
                          ("student_id,submitted_at\ns1,\ns1,\n", "appears twice"),
                          ("student_id,submitted_at,late\ns1,,maybe\n", "late must be")]:
        path.write_text(text)
        with pytest.raises(AutograderError, match=message):
            read_times(path)


# ---- a grader failure is never a grade -------------------------------------------------------------------------

def _grader_failure(sid: str) -> results.SubmissionResult:
    tests = [("test_square_shape", 1.0), ("test_square_values", 2.0), ("test_cube_values", 1.0)]
    outcomes = tuple(results.TestOutcome(t, "hidden", 0.0, m, "failed", "not graded: the grader failed", 0.0)
                     for t, m in tests)
    return results.SubmissionResult(sid, "grader_error", "OSError: boom", outcomes, 0.1)


@pytest.fixture
def with_a_grader_failure(graded):
    """s2's submission could not be graded: the grader failed."""
    results = [_result(s, p) for s, p in POINTS.items() if s != "s2"] + [_grader_failure("s2")]
    (graded / "grades.csv").write_text(grades_frame(get_assignment("toy"), results).to_csv(index=False))
    return graded


@pytest.mark.parametrize("platform, who, column, no_grade", [
    ("canvas", "1002", 1, ""), ("moodle", "bo@example.edu", 0, "-"), ("blackboard", "bo.bb", 2, ""),
    ("csv", "s2", 0, ""),
])
def test_a_grader_failure_gets_no_grade_in_any_export(with_a_grader_failure, platform, who, column, no_grade):
    result, out = _export(with_a_grader_failure, platform)
    rows = {r[column]: r for r in csv.reader(io.StringIO(out.read_text()))}
    if platform == "csv":
        row = dict(zip(E.CSV_COLUMNS, rows[who]))
        assert row["status"] == "grader_error" and row["raw_score"] == row["final_score"] == row["penalty"] == ""
    else:
        assert rows[who][-1] == no_grade
    others = {"canvas": "1001", "moodle": "ada@example.edu", "blackboard": "ada.bb", "csv": "s1"}[platform]
    assert rows[others][-1 if platform != "csv" else E.CSV_COLUMNS.index("final_score")] == "4"
    checks = {"canvas": lambda d: canvas_would_accept(d),
              "moodle": lambda d: moodle_would_accept(d, {f"{n}@example.edu" for n in ("ada", "bo", "cy", "di")}, 6),
              "blackboard": lambda d: blackboard_would_accept(d, {"ada.bb", "bo.bb", "cy.bb", "di.bb"}),
              "csv": lambda d: []}
    assert checks[platform](out.read_bytes()) == []
    late = {r["student_id"]: r for r in csv.DictReader(io.StringIO((with_a_grader_failure / "late.csv").read_text()))}
    assert late["s2"]["final_score"] == "" and late["s2"]["status"] == "grader_error"
    assert [r.student.student_id for r in result.not_graded] == ["s2"]
    assert "! s2: not graded (grader_error): no grade written; grade it again" in E.summary(result)


def test_export_exits_1_when_a_row_is_not_graded(with_a_grader_failure):
    graded = with_a_grader_failure
    (graded / "grades.csv").write_text((graded / "grades.csv").read_text().replace("stranger", "s3"))  # all matched
    result = CliRunner().invoke(main, ["export", "csv", str(graded), "--roster", str(graded.parent / "roster.csv"),
                                       "--out", str(graded.parent / "x.csv")])
    assert result.exit_code == ExitCode.NOT_GRADED, result.output
    assert "1 not graded (no grade written)" in result.output


def test_a_grader_failure_merged_with_written_points_is_still_not_graded(with_a_grader_failure):
    from autograder.reports.merge import final_frame

    graded = with_a_grader_failure
    grades = pd.read_csv(graded / "grades.csv", dtype={"student_id": str})
    final = final_frame(get_assignment("toy"), grades, {(s, "q1"): 1.0 for s in grades["student_id"]})
    (graded / "final_grades.csv").write_text(final.to_csv(index=False))
    row = next(r for r in csv.DictReader(io.StringIO((graded / "final_grades.csv").read_text()))
               if r["student_id"] == "s2")
    assert row["auto_score"] == "" and row["score"] == "" and row["manual_score"] == "1.0"
    result, out = _export(graded, "canvas")
    assert {r[1]: r[-1] for r in csv.reader(io.StringIO(out.read_text()))}["1002"] == ""


# ---- what people open is safe: formulas in the gradebook files ---------------------------------------------------

FORMULA_ROSTER = ROSTER.replace("s1,Ada,Example,ada@example.edu,A,", "s1,=cmd|' /C calc'!A0,@SUM(1),ada@example.edu,+A,")


def _formula_cells(path):
    from autograder.core.text import formula_like

    return [c for row in csv.reader(io.StringIO(path.read_text())) for c in row if formula_like(c)]


@pytest.mark.parametrize("platform", ["canvas", "moodle", "blackboard", "csv"])
def test_roster_names_and_titles_never_reach_a_gradebook_file_as_formulas(graded, platform):
    (graded.parent / "roster.csv").write_text(FORMULA_ROSTER)
    _, out = _export(graded, platform, **({} if platform == "csv" else {"title": "=Total"}))
    assert _formula_cells(out) == [] and _formula_cells(graded / "late.csv") == []
    data = out.read_bytes()
    validators = {"canvas": lambda: canvas_would_accept(data),
                  "moodle": lambda: moodle_would_accept(data, {f"{n}@example.edu" for n in ("ada", "bo", "cy", "di")},
                                                        grademax=6.0),
                  "blackboard": lambda: blackboard_would_accept(data, {"ada.bb", "bo.bb", "cy.bb", "di.bb"}),
                  "csv": lambda: []}
    assert validators[platform]() == []
    rows = list(csv.reader(io.StringIO(out.read_text())))
    if platform == "canvas":
        assert rows[0][-1] == "'=Total (4242)" and rows[2][:5] == ["'@SUM(1), =cmd|' /C calc'!A0", "1001", "SIS-1",
                                                                   "ada", "'+A"]
    if platform == "blackboard":
        assert rows[1][:3] == ["'@SUM(1)", "'=cmd|' /C calc'!A0", "ada.bb"]


@pytest.mark.parametrize("platform, change, message", [
    ("canvas", ",SIS-1,ada,", "s1's sis_login_id '=ada'"),
    ("canvas", ",1001,SIS-1,", "s1's canvas_user_id '-1001'"),
    ("moodle", ",ada@example.edu,", "s1's email '@ada@example.edu'"),
    ("blackboard", ",ada.bb", "s1's blackboard_username '+ada.bb'"),
])
def test_an_id_the_platform_matches_on_is_never_escaped_a_formula_one_is_refused(graded, platform, change,
                                                                                  message):
    bad = {",SIS-1,ada,": ",SIS-1,=ada,", ",1001,SIS-1,": ",-1001,SIS-1,", ",ada@example.edu,": ",@ada@example.edu,",
           ",ada.bb": ",+ada.bb"}[change]
    (graded.parent / "roster.csv").write_text(ROSTER.replace(change, bad))
    before = _snapshot(graded.parent)
    with pytest.raises(AutograderError) as info:
        _export(graded, platform)
    assert message in str(info.value) and "formula" in str(info.value) and "fix it in the roster" in str(info.value)
    assert _snapshot(graded.parent) == before


def test_the_export_summary_prints_no_terminal_escapes(graded):
    text = (graded / "grades.csv").read_text().replace("stranger", "str\x1b[2J\x1b]0;x\x07anger\u202e")
    (graded / "grades.csv").write_text(text)
    result = CliRunner().invoke(main, ["export", "csv", str(graded), "--roster", str(graded.parent / "roster.csv"),
                                       "--out", str(graded.parent / "x.csv")])
    assert "! stranger (graded, 1 points)" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
