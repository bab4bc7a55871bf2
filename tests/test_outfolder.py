"""The output folder belongs to the grader: rows are kept across folders, one run at a time, no links followed,
only its own files deleted, saved results checked before they are trusted."""
import json
import os
import subprocess
import sys
import time

import pandas as pd
import pytest
from click.testing import CliRunner

from autograder.api import grade_batch
from autograder.cli import main
from autograder.core.errors import AutograderError
from autograder.core.outfolder import RESULTS_DIR, atomic_write
from autograder.exitcodes import ExitCode
from autograder.isolation.sandbox import Limits
from autograder.reports.text import batch_summary
from tests.conftest import write_class

LIMITS = Limits(call_timeout_s=3, submission_timeout_s=8, cpu_s=8, memory_mb=512)
PARTIAL = "import numpy as np\ndef square(x):\n    return x * x\n"  # 3 of 4 points: no cube


def grade(subs, out, **options):
    return grade_batch("toy", subs, out, jobs=2, limits=LIMITS, **options)


def grades_of(out):
    return pd.read_csv(out / "grades.csv", dtype={"student_id": str}).set_index("student_id")


def score_review(out, scores):
    review = pd.read_csv(out / "review.csv", dtype=str, keep_default_na=False)
    review["score"] = [scores.get(s, "") for s in review["student_id"]]
    review.to_csv(out / "review.csv", index=False)


@pytest.fixture
def two_folders(toy_course, tmp_path):
    """On-time work graded into OUT, with scored written answers and the instructor's own files beside."""
    on_time = write_class(tmp_path / "on_time", toy_course, {"amy": "@reference", "bo": PARTIAL})
    late = write_class(tmp_path / "late", toy_course, {"amy": "@template", "cy": "def square(x)\n"})
    out = tmp_path / "out"
    grade(on_time, out)
    score_review(out, {"amy": "2", "bo": "1"})
    (out / "feedback" / "my_notes.md").write_text("the instructor's own notes\n")
    (out / "mine.txt").write_text("mine\n")
    return on_time, late, out


def test_a_second_folder_keeps_the_rows_already_there(two_folders):
    _, late, out = two_folders
    batch = grade(late, out)
    grades = grades_of(out)
    assert sorted(grades.index) == ["amy", "bo", "cy"]
    assert grades.loc["amy", "score"] == 0  # in both folders: graded from the new one
    assert grades.loc["bo", "score"] == 3 and grades.loc["cy", "status"] == "load_error"
    assert sorted(pd.read_csv(out / "tests.csv")["student_id"].unique()) == ["amy", "bo", "cy"]
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["amy.md", "bo.md", "cy.md", "my_notes.md"]
    assert (out / "mine.txt").read_text() == "mine\n"
    review = pd.read_csv(out / "review.csv", dtype=str, keep_default_na=False).set_index("student_id")
    assert review.loc["bo", "score"] == "1" and review.loc["amy", "score"] == "2"  # typed scores survive
    assert batch.kept == 1 and sorted(r.student_id for r in batch.results) == ["amy", "bo", "cy"]
    assert "1 earlier row kept (students not in this folder; --replace drops them)" in batch_summary(batch)


def test_replace_drops_the_students_not_in_this_folder(two_folders):
    _, late, out = two_folders
    result = CliRunner().invoke(main, ["grade", "toy", str(late), "--out", str(out), "--timeout", "3", "--replace"])
    assert result.exit_code == ExitCode.NOT_GRADED, result.output  # cy has a syntax error
    assert sorted(grades_of(out).index) == ["amy", "cy"]
    assert "1 earlier row dropped (--replace): bo" in result.output
    assert not (out / "feedback" / "bo.md").exists() and not (out / RESULTS_DIR / "bo.json").exists()
    assert (out / "feedback" / "my_notes.md").exists() and (out / "mine.txt").exists()
    assert sorted(pd.read_csv(out / "review.csv")["student_id"]) == ["amy", "cy"]


def test_only_files_the_grader_wrote_are_deleted(two_folders):
    _, late, out = two_folders
    edited = out / "feedback" / "bo.md"
    edited.write_text(edited.read_text() + "\nSee me after class.\n")
    (out / "feedback" / "zed.md").write_text("a file named like a student, written by a person\n")
    batch = grade(late, out, replace=True)
    assert "See me after class." in edited.read_text()  # changed since the grader wrote it: not its file now
    assert (out / "feedback" / "zed.md").exists() and (out / "feedback" / "my_notes.md").exists()
    assert any("feedback/bo.md was changed since the grader wrote it: left in place" in n for n in batch.notes)


def test_earlier_results_that_cannot_be_trusted_are_left_out_and_said(two_folders, toy_course):
    on_time, late, out = two_folders
    saved = out / RESULTS_DIR / "bo.json"
    data = json.loads(saved.read_text())
    data["outcomes"][0]["points"] = 1e308
    saved.write_text(json.dumps(data))
    batch = grade(late, out)
    assert "bo" not in grades_of(out).index
    assert any("bo" in n and "could not be used" in n for n in batch.notes), batch.notes


# ---- one run at a time ----------------------------------------------------------------------------------------


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True,
                          env={**os.environ}, timeout=300)


def test_a_second_run_into_the_same_out_is_refused_while_the_first_runs(toy_course, tmp_path):
    slow = "import time\ndef square(x):\n    time.sleep(0.5)\n    return x * x\n"
    subs = write_class(tmp_path / "subs", toy_course, {f"s{i}": slow for i in range(3)})
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", "toy", str(subs), "--out", str(out),
                              "--jobs", "1"], env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and not list((out / RESULTS_DIR).glob("s*.json")):
        time.sleep(0.05)
    second = run_cli("grade", "toy", str(subs), "--out", str(out))
    assert first.poll() is None, "the first run ended too soon for this test"
    assert second.returncode == ExitCode.USAGE, second.stdout + second.stderr
    assert f"another run of autograder holds {out} (pid {first.pid})" in second.stderr
    assert first.wait(timeout=120) == ExitCode.OK, first.stderr.read()
    assert run_cli("grade", "toy", str(subs), "--out", str(out)).returncode == ExitCode.OK  # released


def test_the_lock_is_released_when_a_run_fails(toy_course, tmp_path):
    from autograder.core.outfolder import hold

    subs = write_class(tmp_path / "subs", toy_course, {"amy": "@reference"})
    out = tmp_path / "out"
    (out / RESULTS_DIR).mkdir(parents=True)
    (out / RESULTS_DIR / "assignment").write_text("hw2\n")
    with pytest.raises(AutograderError, match="holds grades of hw2"):
        grade(subs, out)
    (out / RESULTS_DIR / "assignment").write_text("toy\n")
    with hold(out):  # a new open file: refused if the failed run had kept the lock
        result = CliRunner().invoke(main, ["grade", "toy", str(subs), "--out", str(out)])
        assert result.exit_code == ExitCode.USAGE and f"(pid {os.getpid()})" in result.output
    assert grade(subs, out).results[0].score == 4


def test_merge_manual_and_export_hold_the_folder_too(two_folders, tmp_path):
    from autograder.core.outfolder import hold

    _, _, out = two_folders
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,first_name,last_name\namy,Amy,A\nbo,Bo,B\n")
    with hold(out):
        merged = CliRunner().invoke(main, ["merge-manual", str(out / "review.csv"), "--out", str(out)])
        exported = CliRunner().invoke(main, ["export", "csv", str(out), "--roster", str(roster),
                                             "--out", str(tmp_path / "x.csv")])
    for result in (merged, exported):
        assert result.exit_code == ExitCode.USAGE and f"another run of autograder holds {out}" in result.output
    assert not (out / "final_grades.csv").exists() and not (tmp_path / "x.csv").exists()
    assert CliRunner().invoke(main, ["merge-manual", str(out / "review.csv"), "--out", str(out)]).exit_code == 0


# ---- links ----------------------------------------------------------------------------------------------------


def tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("link", ["", "feedback", RESULTS_DIR, "grades.csv", "review.html", "feedback/amy.md",
                                  f"{RESULTS_DIR}/amy.json", f"{RESULTS_DIR}/assignment"])
def test_links_in_the_out_folder_are_refused_before_grading(toy_course, tmp_path, link):
    subs = write_class(tmp_path / "subs", toy_course, {"amy": "@reference"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "victim.md").write_text("not the grader's\n")
    out = tmp_path / "out"
    path = out / link if link else out
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(elsewhere if link in ("", "feedback", RESULTS_DIR) else elsewhere / "victim.md")
    with pytest.raises(AutograderError, match="is a symbolic link"):
        grade(subs, out)
    assert tree(elsewhere) == {"victim.md": b"not the grader's\n"}
    assert not (out / "grades.csv").exists() or link == "grades.csv"


def test_the_atomic_writer_never_writes_through_a_link(tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("keep\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with pytest.raises(AutograderError, match="is a symbolic link"):
        atomic_write(link, "overwritten\n")
    assert target.read_text() == "keep\n" and link.is_symlink()


# ---- saved results --------------------------------------------------------------------------------------------


def _set(path, value):
    def change(data):
        keys = path.split(".")
        node = data
        for key in keys[:-1]:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(keys[-1]) if isinstance(node, list) else keys[-1]] = value
        return data
    return change


CORRUPTIONS = {
    "null": lambda d: None,
    "a list": lambda d: [d],
    "points 1e308": _set("outcomes.0.points", 1e308),
    "points NaN": _set("outcomes.0.points", float("nan")),
    "points negative": _set("outcomes.0.points", -1.0),
    "points above the test's": _set("outcomes.0.points", 7.0),
    "points as text": _set("outcomes.0.points", "1"),
    "points true": _set("outcomes.0.points", True),
    "max points changed": lambda d: _set("outcomes.0.points", 50.0)(_set("outcomes.0.max_points", 50.0)(d)),
    "a test missing": lambda d: {**d, "outcomes": d["outcomes"][:-1]},
    "a test twice": lambda d: {**d, "outcomes": d["outcomes"] + d["outcomes"][:1]},
    "an unknown test": _set("outcomes.0.test", "test_bonus"),
    "an outcome that is text": _set("outcomes.0", "passed"),
    "an outcome word": _set("outcomes.0.outcome", "PASSED!"),
    "an outcome with a field more": _set("outcomes.0.bonus", 1),
    "outcomes missing": lambda d: {k: v for k, v in d.items() if k != "outcomes"},
    "message not text": _set("message", 5),
    "status grader_error": _set("status", "grader_error"),
    "another student's": _set("student_id", "zed"),
    "another digest": _set("digest", "0" * 16),
    "other tests": _set("tests_key", "0" * 16),
    "answers not text": _set("extra", {"answers": {"q1": 5}}),
    "duration infinite": _set("duration_s", float("inf")),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_a_saved_result_is_checked_before_it_is_used(toy_course, tmp_path, name):
    subs = write_class(tmp_path / "subs", toy_course, {"bad_cache__zero": "@template"})
    out = tmp_path / "out"
    grade(subs, out)
    saved = out / RESULTS_DIR / "bad_cache__zero.json"
    data = json.loads(saved.read_text())
    for outcome in data["outcomes"]:  # forged full marks, then the corruption under test
        outcome.update(points=outcome["max_points"], outcome="passed")
    saved.write_text(json.dumps(CORRUPTIONS[name](data)))
    again = grade(subs, out)
    assert again.reused == 0, "a saved result that fails its checks is graded again"
    assert grades_of(out).loc["bad_cache__zero", "score"] == 0
    json.loads(saved.read_text())["outcomes"]  # saved again, whole


def test_a_valid_saved_result_is_still_reused(toy_course, tmp_path):
    subs = write_class(tmp_path / "subs", toy_course, {"amy": "@reference", "bo": PARTIAL})
    grade(subs, tmp_path / "out")
    assert grade(subs, tmp_path / "out").reused == 2
