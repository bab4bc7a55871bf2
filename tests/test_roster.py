"""The course roster: reading it, refusing bad ones with a clear message, and finding students by any id."""
from pathlib import Path

import pytest

from autograder.core.errors import AutograderError
from autograder.gradebooks.roster import load_roster

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "roster.csv"
HEADER = "student_id,first_name,last_name,email,canvas_user_id,sis_login_id\n"


def write(tmp_path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_the_sample_roster_has_every_column_and_only_fake_students():
    roster = load_roster(SAMPLE)
    assert len(roster.students) == 5
    assert set(roster.columns) >= {"canvas_user_id", "sis_user_id", "sis_login_id", "moodle_idnumber",
                                   "moodle_username", "blackboard_username", "email", "section"}
    for s in roster.students:
        assert s.email.endswith("@example.edu") and s.sis_user_id.startswith("FAKE-")
    emeka = roster.by_id()["demo-0005"]
    assert emeka.sortable_name == "Fictional, Jr., Emeka" and emeka.display_name == "Emeka Fictional, Jr."
    assert roster.by_id()["demo-0003"].first_name == "Chloé"


def test_headers_are_matched_loosely_and_a_bom_is_fine(tmp_path):
    path = write(tmp_path, "\ufeffStudent ID,First Name,Last-Name,Canvas User ID\ns1,Ada,Example,1001\n")
    student = load_roster(path).students[0]
    assert (student.student_id, student.first_name, student.last_name, student.canvas_user_id) == \
        ("s1", "Ada", "Example", "1001")


def test_a_single_name_column_is_split_at_the_last_space(tmp_path):
    path = write(tmp_path, "student_id,name,email\ns1,Mary Ann Example,m@example.edu\ns2,Plato,p@example.edu\n")
    first, second = load_roster(path).students
    assert (first.first_name, first.last_name, first.sortable_name) == ("Mary Ann", "Example", "Example, Mary Ann")
    assert (second.first_name, second.last_name) == ("", "Plato")


@pytest.mark.parametrize("text, message", [
    (HEADER + "s1,Ada,Example,a@example.edu,1001,ada\ns1,Bo,Sample,b@example.edu,1002,bo\n",
     "student_id 's1' is shared by s1, s1"),
    (HEADER + "s1,Ada,Example,a@example.edu,1001,ada\ns2,Bo,Sample,A@Example.edu,1002,bo\n",
     "email 'a@example.edu' is shared by s1, s2"),
    (HEADER + "s1,Ada,Example,a@example.edu,1001,ada\ns2,Bo,Sample,b@example.edu,1001,bo\n",
     "canvas_user_id '1001' is shared by s1, s2"),
    ("id,first_name,last_name\ns1,Ada,Example\n", "missing column(s) student_id"),
    ("student_id,email\ns1,a@example.edu\n", "missing column(s) first_name and last_name (or name)"),
    ("student_id,name,name\ns1,Ada,Ada\n", "column(s) name appear more than once"),
    ("", "empty roster"),
    (HEADER, "no students in the roster"),
    (HEADER + "s1,Ada,Example\n", "roster.csv:2: 3 fields, the header has 6"),
    (HEADER + "s1,Ada,Example,a@example.edu,1001,ada,spare\n", "roster.csv:2: 7 fields, the header has 6"),
    (HEADER + "s1,Ada,Example,a@example.edu,1001,ada\n,Bo,Sample,b@example.edu,1002,bo\n",
     "roster.csv:3: empty student_id"),
    (HEADER + "s1,,,a@example.edu,1001,ada\n", "student s1 has no name"),
])
def test_bad_rosters_are_refused_with_the_reason(tmp_path, text, message):
    with pytest.raises(AutograderError) as info:
        load_roster(write(tmp_path, text))
    assert message in str(info.value)


def test_unreadable_rosters(tmp_path):
    with pytest.raises(AutograderError, match="not UTF-8"):
        load_roster(write(tmp_path, HEADER + "s1,Zoë,Example,z@example.edu,1,z\n", "latin-1"))
    with pytest.raises(AutograderError, match="no such roster file"):
        load_roster(tmp_path / "absent.csv")
    with pytest.raises(AutograderError, match="is a folder"):
        load_roster(tmp_path)


def test_students_are_found_by_any_of_their_ids(tmp_path):
    roster = load_roster(write(tmp_path, HEADER + "s1,Ada,Example,Ada@Example.edu,1001,ada\n"
                                                  "s2,Bo,Sample,bo@example.edu,1002,s1x\n"
                                                  "1001x,Cy,Other,cy@example.edu,1003,1002\n"))
    assert roster.match("s1")[0].student_id == "s1"
    assert roster.match("ada@example.EDU")[0].student_id == "s1"  # emails without regard to case
    assert roster.match("1001")[0].student_id == "s1"
    assert roster.match("ada")[0].student_id == "s1"
    assert roster.match("1001x")[0].student_id == "1001x"  # a student_id wins over other columns
    student, why = roster.match("1002")  # s2's Canvas id and 1001x's login id
    assert student is None and "several roster students (1001x, s2)" in why
    student, why = roster.match("nobody")
    assert student is None and "'nobody' is not in the roster roster.csv" in why
    assert [s.student_id for s in roster.lacking(("sis_login_id",))] == []
