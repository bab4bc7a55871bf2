"""Platform downloads as submissions: Canvas and Moodle zips, and the round trip Canvas zip -> grade -> Canvas CSV.

The zips are built here the way the platforms name their files: Canvas's
lib/content_zipper.rb writes `<lastfirst>[_LATE]_<user id>_<attachment id>_<file>`,
Moodle's mod/assign/classes/downloader.php writes
`<Full Name>_<participant id>_assignsubmission_file/<file>` (or the same
prefix and `_<file>` when folders are turned off).
"""
from __future__ import annotations

import csv
import io
import stat
import zipfile

import pytest
from click.testing import CliRunner

from autograder.api import grade_download
from autograder.cli import main
from autograder.core.course import get_assignment
from autograder.core.errors import AutograderError
from autograder.exitcodes import ExitCode
from autograder.gradebooks.downloads import MAX_MEMBER_BYTES, detect_platform, read_download, unpack
from autograder.gradebooks.roster import load_roster
from autograder.grading.submissions import read_entry
from tests.test_export import canvas_would_accept

ROSTER = """\
student_id,first_name,last_name,email,section,canvas_user_id,sis_user_id,sis_login_id
s1,Ada,Example,ada@example.edu,A,1001,SIS-1,ada
s2,Bo,Sample,bo@example.edu,A,1002,SIS-2,bo
s3,Cy,Absent,cy@example.edu,B,1003,SIS-3,cy
s4,Di,Tester,di@example.edu,B,1004,SIS-4,di
s5,Zoë,Ångström,zoe@example.edu,B,1005,SIS-5,zoe
"""
SQUARE_ONLY = "import numpy as np\n\ndef square(x):\n    return x * x\n"  # 3 of toy's 4 points


def make_zip(path, members: dict[str, str | bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, "utf-8")
    return path


def canvas_class(course) -> dict[str, str]:
    reference = (course / "reference" / "toy" / "toy.py").read_text()
    template = (course / "student_template" / "toy" / "toy.py").read_text()
    return {
        "exampleada_1001_5001_toy.py": reference,
        "samplebo_LATE_1002_5002_toy-1.py": SQUARE_ONLY,  # resubmitted: Canvas added -1
        "samplebo_1002_text.html": "<p>also a text entry</p>",
        "testerdi_1004_5004_my_work.py": template,  # another file name: the lone .py is taken
        "strangerzed_1999_5009_toy.py": reference,  # not in the roster
        "__MACOSX/._exampleada_1001_5001_toy.py": b"\x00",
    }


def test_platforms_are_told_apart_by_their_file_names():
    assert detect_platform(["exampleada_LATE_1001_5001_toy.py"]) == "canvas"
    assert detect_platform(["Ada Example_123456_assignsubmission_file/toy.py"]) == "moodle"
    assert detect_platform(["Ada Example_123456_assignsubmission_file_toy.py"]) == "moodle"
    with pytest.raises(AutograderError, match="not a Canvas or Moodle submissions download"):
        detect_platform(["s1.py", "s2/toy.py"])


def test_canvas_download_is_mapped_through_the_roster(toy_course, tmp_path, roster):
    zip_path = make_zip(tmp_path / "canvas.zip", canvas_class(toy_course))
    imported = read_download(zip_path, load_roster(roster))
    assert imported.platform == "canvas"
    assert sorted(imported.entries) == ["s1", "s2", "s4", "unmatched-canvas-1999"]
    assert imported.entries["s2"].late_flag and not imported.entries["s1"].late_flag
    stranger = imported.entries["unmatched-canvas-1999"]
    assert not stranger.matched and "Canvas user 1999 is not in the roster" in stranger.reason
    skipped = {row["member"]: row["note"] for row in imported.log if not row["student_id"]}
    assert "text entry" in skipped["samplebo_1002_text.html"]
    assert skipped["__MACOSX/._exampleada_1001_5001_toy.py"] == "hidden or system file"
    folder = tmp_path / "entries"
    folder.mkdir()
    unpack(imported, folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(imported.entries)
    toy = get_assignment("toy")
    s2, s4 = read_entry(toy, "s2", folder / "s2"), read_entry(toy, "s4", folder / "s4")
    assert s2.files["toy.py"] == SQUARE_ONLY and "graded toy-1.py as your toy.py" in s2.notes  # Canvas's -1
    assert "graded my_work.py as your toy.py" in s4.notes  # the one code file
    assert {r["member"]: r["file"] for r in imported.log}["testerdi_1004_5004_my_work.py"] == "my_work.py"
    assert "1 marked LATE" in imported.summary() and "unmatched-canvas-1999" in imported.summary()


def test_moodle_download_in_folders_and_flat(toy_course, tmp_path, roster):
    members = {
        "Ada Example_900101_assignsubmission_file/toy.py": "a = 1\n",
        "Ada Example_900101_assignsubmission_file/answers.md": "## q1\nbecause\n",
        "ZOE\u0308 A\u030aNGSTRO\u0308M_900105_assignsubmission_file/toy.ipynb": "{}",  # case and accent encoding
        "Bo Sample_900102_assignsubmission_onlinetext/onlinetext.html": "<p>hi</p>",
        "Nobody Known_900199_assignsubmission_file/toy.py": "b = 2\n",
    }
    imported = read_download(make_zip(tmp_path / "moodle.zip", members), load_roster(roster))
    assert imported.platform == "moodle"
    assert sorted(imported.entries) == ["s1", "s5", "unmatched-moodle-900199"]
    assert set(imported.entries["s1"].files) == {"toy.py", "answers.md"}
    assert "nobody called 'Nobody Known'" in imported.entries["unmatched-moodle-900199"].reason
    flat = read_download(make_zip(tmp_path / "flat.zip", {
        "Example Ada_900101_assignsubmission_file_toy.py": "a = 1\n",  # "Last First" works too
        "Participant_900102_assignsubmission_file_toy.py": "c = 3\n"}), load_roster(roster))
    assert flat.entries["s1"].files == {"toy.py": b"a = 1\n"}
    assert "blind marking" in flat.entries["unmatched-moodle-900102"].reason


def test_two_students_with_one_name_are_not_guessed(toy_course, tmp_path):
    path = tmp_path / "twins.csv"
    path.write_text("student_id,first_name,last_name\nt1,Sam,Lee\nt2,Sam,Lee\nt3,Al,Other\n")
    imported = read_download(make_zip(tmp_path / "m.zip", {"Sam Lee_1_assignsubmission_file/toy.py": "x = 1\n",
                                                           "Al Other_3_assignsubmission_file/toy.py": "y = 1\n"}),
                             load_roster(path))
    assert imported.entries["t3"].matched
    assert "several roster students are called 'Sam Lee' (t1, t2)" in imported.entries["unmatched-moodle-1"].reason


@pytest.mark.parametrize("make, message", [
    (lambda t: t / "absent.zip", "no such file"),
    (lambda t: (t / "bad.zip").write_text("not a zip") and t / "bad.zip", "not a zip file"),
    (lambda t: make_zip(t / "x.zip", {"s1.py": "x = 1\n"}), "not a Canvas or Moodle submissions download"),
    (lambda t: make_zip(t / "x.zip", {"samplebo_1002_text.html": "x"}), "no submitted files .*text entry"),
    (lambda t: make_zip(t / "x.zip", {"anon_x7Kp2_5001_toy.py": "x"}), "anonymous grading hides who submitted"),
    (lambda t: make_zip(t / "x.zip", {"zz_2001_5001_toy.py": "x", "yy_2002_5002_toy.py": "x"}),
     "none of its 2 students is in the roster .*Canvas user 2001"),
])
def test_unusable_downloads(toy_course, tmp_path, roster, make, message):
    with pytest.raises(AutograderError, match=message):
        read_download(make(tmp_path), load_roster(roster))


def test_canvas_download_needs_canvas_ids_in_the_roster(toy_course, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("student_id,first_name,last_name,email\ns1,Ada,Example,a@example.edu\n")
    with pytest.raises(AutograderError, match="add a canvas_user_id column"):
        read_download(make_zip(tmp_path / "c.zip", {"exampleada_1001_5001_toy.py": "x"}), load_roster(path))


def test_grade_command_checks_the_roster_option(toy_course, tmp_path, roster):
    zip_path = make_zip(tmp_path / "c.zip", {"exampleada_1001_5001_toy.py": "x = 1\n"})
    no_roster = CliRunner().invoke(main, ["grade", "toy", str(zip_path), "--out", str(tmp_path / "out")])
    assert no_roster.exit_code == ExitCode.USAGE and "needs --roster" in no_roster.output
    folder = tmp_path / "subs"
    folder.mkdir()
    useless = CliRunner().invoke(main, ["grade", "toy", str(folder), "--roster", str(roster), "--out",
                                        str(tmp_path / "out")])
    assert useless.exit_code == ExitCode.USAGE and "--roster is for a Canvas or Moodle download" in useless.output
    assert not (tmp_path / "out").exists()


def test_round_trip_canvas_zip_to_grades_to_canvas_csv(toy_course, tmp_path, roster):
    toml = toy_course / "assignments" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text() + '\n[platform_ids]\ncanvas = "4242"\n\n[late_policy]\npercent_per_day = 10\n')
    zip_path = make_zip(tmp_path / "canvas.zip", canvas_class(toy_course))
    grades, out = tmp_path / "grades", tmp_path / "grades.csv"
    graded = CliRunner().invoke(main, ["grade", "toy", str(zip_path), "--roster", str(roster), "--out", str(grades),
                                       "--timeout", "5"])
    assert graded.exit_code == ExitCode.OK, graded.output
    assert "Imported a Canvas download: 4 students (1 marked LATE), 2 file(s) skipped" in graded.output
    times = csv.DictReader(io.StringIO((grades / "submission_times.csv").read_text()))
    times = {r["student_id"]: r["late"] for r in times}
    assert times == {"s1": "false", "s2": "true", "s4": "false", "unmatched-canvas-1999": "false"}
    exported = CliRunner().invoke(main, ["export", "canvas", str(grades), "--roster", str(roster), "--out", str(out)])
    assert exported.exit_code == ExitCode.NOT_GRADED, exported.output  # one student was not in the roster
    assert "! unmatched-canvas-1999 (graded, 4 points): Canvas user 1999 is not in the roster" in exported.output
    assert canvas_would_accept(out.read_bytes()) == []
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8"))))
    assert rows[0][-1] == "Toy: squares (4242)"
    scores = {r[1]: float(r[-1]) for r in rows[2:]}
    # s1 reference 4; s2 square only 3, LATE without a time: one day at 10% -> 2.7; s3 no submission; s4 template 0
    assert scores == pytest.approx({"1001": 4.0, "1002": 2.7, "1003": 0.0, "1004": 0.0, "1005": 0.0})
    late = {r["student_id"]: r for r in csv.DictReader(io.StringIO((grades / "late.csv").read_text()))}
    assert late["s3"]["status"] == "missing" and late["s5"]["status"] == "missing"
    assert float(late["s2"]["raw_score"]) == pytest.approx(3.0) and float(late["s2"]["penalty"]) == pytest.approx(0.3)


# -- members that are not plain files, and names that clash ---------------------------------------------------------
def _corrupt_member(path, name: str) -> None:
    """Overwrite the start of `name`'s compressed data: inflating it then fails (zlib.error)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    with open(path, "r+b") as f:
        f.seek(info.header_offset + 26)
        name_len, extra_len = int.from_bytes(f.read(2), "little"), int.from_bytes(f.read(2), "little")
        f.seek(info.header_offset + 30 + name_len + extra_len)
        f.write(b"\xff" * 8)


def _lying_member(path, name: str, declared: int) -> None:
    """Make `name` declare `declared` bytes in the zip's central directory while it inflates to far more."""
    data = bytearray(path.read_bytes())
    header = data.find(name.encode(), data.find(b"PK\x01\x02")) - 46  # the name follows the 46-byte header
    data[header + 24:header + 28] = declared.to_bytes(4, "little")  # its uncompressed size
    path.write_bytes(bytes(data))


def test_links_oversized_lying_and_broken_members_are_skipped_and_logged(toy_course, tmp_path, roster):
    reference = (toy_course / "reference" / "toy" / "toy.py").read_text()
    path = tmp_path / "canvas.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("exampleada_1001_5001_toy.py", reference)
        for uid, target in (("1002", "/etc/shadow"), ("1004", "../../reference/toy/toy.py")):
            link = zipfile.ZipInfo(f"user_{uid}_60{uid[-1]}_toy.py")
            link.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(link, target)
        archive.writestr("absentcy_1003_7001_toy.py", b"\0" * (MAX_MEMBER_BYTES + 1))  # declares its size
        archive.writestr("absentcy_1003_7002_lying.py", b"\0" * (4 * MAX_MEMBER_BYTES))
        archive.writestr("angstromzoe_1005_8001_toy.py", reference * 50)
    _lying_member(path, "absentcy_1003_7002_lying.py", 100)
    _corrupt_member(path, "angstromzoe_1005_8001_toy.py")
    imported = read_download(path, load_roster(roster))
    assert sorted(imported.entries) == ["s1"] and imported.entries["s1"].files == {"toy.py": reference.encode()}
    notes = {row["member"]: row["note"] for row in imported.log}
    assert "a symbolic link in the zip: never unpacked" in notes["user_1002_602_toy.py"]
    assert "a symbolic link in the zip: never unpacked" in notes["user_1004_604_toy.py"]
    assert notes["absentcy_1003_7001_toy.py"] == f"the file is larger than {MAX_MEMBER_BYTES} bytes"
    assert notes["absentcy_1003_7002_lying.py"].startswith("unreadable (BadZipFile")
    assert notes["angstromzoe_1005_8001_toy.py"].startswith("unreadable (error")  # zlib.error
    assert "5 file(s) skipped" in imported.summary()


def test_two_moodle_participants_of_one_roster_student_are_an_error_and_nothing_is_written(toy_course, tmp_path,
                                                                                          roster):
    zip_path = make_zip(tmp_path / "moodle.zip", {
        "Ada Example_900101_assignsubmission_file/toy.py": "a = 1\n",
        "Example Ada_900109_assignsubmission_file/toy.py": "b = 2\n",  # "Last First": the same roster student
        "Bo Sample_900102_assignsubmission_file/toy.py": "c = 3\n"})
    with pytest.raises(AutograderError) as error:
        read_download(zip_path, load_roster(roster))
    message = str(error.value)
    assert "more than one Moodle participant maps to one roster student" in message
    assert "s1: 'Ada Example_900101_assignsubmission_file', 'Example Ada_900109_assignsubmission_file'" in message
    result = CliRunner().invoke(main, ["grade", "toy", str(zip_path), "--roster", str(roster),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == ExitCode.USAGE and "Example Ada_900109_assignsubmission_file" in result.output
    assert not (tmp_path / "out").exists()


def test_two_files_of_one_name_in_an_entry_are_never_merged(toy_course, tmp_path, roster):
    """An entry's files keep their folders; which one is graded follows the rules every entry follows."""
    reference = (toy_course / "reference" / "toy" / "toy.py").read_text()
    template = (toy_course / "student_template" / "toy" / "toy.py").read_text()
    moodle = make_zip(tmp_path / "moodle.zip", {
        "Ada Example_900101_assignsubmission_file/toy.py": reference,  # the shallowest wins, whatever the order
        "Ada Example_900101_assignsubmission_file/old/toy.py": template,
        "Bo Sample_900102_assignsubmission_file/a/toy.py": reference,  # a tie: neither is guessed
        "Bo Sample_900102_assignsubmission_file/b/toy.py": SQUARE_ONLY,  # both differ from the template
        "Cy Absent_900103_assignsubmission_file/a/toy.py": reference,  # the untouched template beside it is not work
        "Cy Absent_900103_assignsubmission_file/b/toy.py": template,
        "Di Tester_900104_assignsubmission_file/v2/toy.py": SQUARE_ONLY,
        "Di Tester_900104_assignsubmission_file/v2/notes.txt": "new",
        "Di Tester_900104_assignsubmission_file/v1/notes.txt": "old"})  # a file never read: kept where it was
    out = tmp_path / "grades"
    batch, imported = grade_download("toy", moodle, out, roster, jobs=2)
    rows = {r.student_id: r for r in batch.results}
    assert rows["s1"].score == 4 and rows["s1"].status == "graded"
    assert ("old/toy.py was not used (it is the template as handed out, unchanged): toy.py was graded as your "
            "toy.py") in rows["s1"].extra["notes"]
    assert rows["s2"].status == "invalid" and rows["s2"].score == 0
    assert rows["s2"].message == ("more than one file could be your toy.py (a/toy.py, b/toy.py): none of them was "
                                  "graded; hand in only one")
    assert rows["s3"].status == "graded" and rows["s3"].score == 4
    assert rows["s4"].status == "graded" and rows["s4"].score == 3
    assert sorted(imported.entries["s4"].files) == ["v1/notes.txt", "v2/notes.txt", "v2/toy.py"]
    assert "old/toy.py was not used" in (out / "feedback" / "s1.md").read_text()
    log = {r["member"]: r for r in csv.DictReader(io.StringIO((out / "imported.csv").read_text()))}
    assert log["Ada Example_900101_assignsubmission_file/old/toy.py"]["file"] == "old/toy.py"
    assert log["Ada Example_900101_assignsubmission_file/toy.py"]["file"] == "toy.py"


def test_canvas_attachments_of_one_name_make_the_entry_invalid_naming_both(toy_course, tmp_path, roster):
    reference = (toy_course / "reference" / "toy" / "toy.py").read_text()
    zip_path = make_zip(tmp_path / "canvas.zip", {
        "exampleada_1001_5001_toy.py": reference,
        "exampleada_1001_5002_toy-1.py": SQUARE_ONLY,  # Canvas's name for a second toy.py
        "samplebo_1002_5003_toy-1.py": SQUARE_ONLY})  # alone: it is toy.py
    batch, imported = grade_download("toy", zip_path, tmp_path / "grades", roster, jobs=2)
    rows = {r.student_id: r for r in batch.results}
    assert rows["s1"].status == "invalid" and rows["s1"].score == 0
    assert "more than one file could be your toy.py (toy-1.py, toy.py)" in rows["s1"].message
    assert rows["s2"].score == 3 and "graded toy-1.py as your toy.py" in rows["s2"].extra["notes"]


def test_two_members_for_one_place_are_never_merged(toy_course, tmp_path, roster):
    """A zip may hold one path twice: neither overwrites the other, and the entry says so."""
    zip_path = tmp_path / "twice.zip"
    import warnings

    with zipfile.ZipFile(zip_path, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        archive.writestr("Ada Example_900101_assignsubmission_file/toy.py", SQUARE_ONLY)
        archive.writestr("Ada Example_900101_assignsubmission_file/toy.py", "x = 1\n")
    batch, _ = grade_download("toy", zip_path, tmp_path / "grades", roster, jobs=1)
    (row,) = batch.results
    assert row.status == "invalid" and "two files of the download are both toy.py" in row.message


def test_the_import_log_holds_no_formula(toy_course, tmp_path, roster):
    """A participant's name (which a student may edit on the platform) starts a cell of imported.csv: inert in a
    spreadsheet, read back as it was."""
    from autograder.core.text import spreadsheet_plain

    name = '=HYPERLINK("x.example","open")'
    zip_path = make_zip(tmp_path / "dl.zip", {f"{name}_77_assignsubmission_file/toy.py": SQUARE_ONLY,
                                              "Ada Example_78_assignsubmission_file/toy.py": SQUARE_ONLY})
    grade_download("toy", zip_path, tmp_path / "out", roster, jobs=1)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "imported.csv").read_text("utf-8"))))
    cells = [value for row in rows for value in row.values() if value]
    assert cells and not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert any(spreadsheet_plain(cell).startswith(name) for cell in cells)
