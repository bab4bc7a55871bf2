"""The batch engine on a toy class: report files, resuming, bad input."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from autograder.api import grade_batch
from autograder.core.errors import AutograderError
from autograder.core.outfolder import RESULTS_DIR
from autograder.isolation.sandbox import Limits
from tests.conftest import write_class

LIMITS = Limits(call_timeout_s=3, submission_timeout_s=8, cpu_s=8, memory_mb=512)
CLASS = {
    "full_marks": "@reference",
    "zero_template": "@template",
    "partial_no_cube": "import numpy as np\ndef square(x):\n    return x * x\n",
    "zero_syntax_error": "def square(x)\n",
}


@pytest.fixture
def graded(toy_course, tmp_path):
    subs = write_class(tmp_path / "subs", toy_course, CLASS)
    batch = grade_batch("toy", subs, tmp_path / "out", jobs=2, limits=LIMITS)
    return batch, subs, tmp_path / "out"


def test_scores_statuses_and_report_files(graded):
    batch, _, out = graded
    grades = pd.read_csv(out / "grades.csv").set_index("student_id")
    assert list(grades.columns[:3]) == ["score", "max_score", "status"]
    assert grades.loc["full_marks", "score"] == 4 and grades.loc["full_marks", "max_score"] == 4
    assert grades.loc["zero_template", "score"] == 0
    assert grades.loc["partial_no_cube", "score"] == 3 and grades.loc["partial_no_cube", "test_cube_values"] == 0
    assert grades.loc["zero_syntax_error", "status"] == "load_error"
    assert "written:q1" in grades.columns
    tests = pd.read_csv(out / "tests.csv")
    assert list(tests.columns[:7]) == ["student_id", "test", "points", "max_points", "outcome", "message", "duration_s"]
    assert len(tests) == 4 * 3
    assert sorted(p.name for p in (out / "feedback").iterdir()) == sorted(f"{s}.md" for s in CLASS)
    assert "<svg" in (out / "report.html").read_text()
    assert [r.student_id for r in batch.not_graded] == ["zero_syntax_error"]


def test_feedback_shows_hints_never_expected_values(graded):
    _, _, out = graded
    text = (out / "feedback" / "partial_no_cube.md").read_text()
    assert "`test_cube_values`" in text and "`cube` is not defined in toy.py" in text
    assert "cube(x) multiplies x by its square." in text
    assert "27" not in text  # cube(3), the hidden expected value


def test_rerun_grades_nothing_and_writes_the_same_report(graded, toy_course):
    batch, subs, out = graded
    before = {p: (out / p).read_bytes() for p in ("grades.csv", "tests.csv")}
    again = grade_batch("toy", subs, out, jobs=2, limits=LIMITS)
    assert again.reused == len(CLASS)
    assert {p: (out / p).read_bytes() for p in before} == before
    report = (out / "report.html").read_text()
    assert f"0 graded now, {len(CLASS)} unchanged" in report and "3 s a call, 8 s a submission" in report
    assert re.search(r"<th>autograder</th><td>\d+\.\d+", report), "the version that graded the class"


def test_a_changed_submission_is_graded_again(graded, toy_course):
    _, subs, out = graded
    (subs / "zero_template.py").write_text((toy_course / "reference" / "toy" / "toy.py").read_text())
    again = grade_batch("toy", subs, out, jobs=2, limits=LIMITS)
    assert again.reused == len(CLASS) - 1
    assert pd.read_csv(out / "grades.csv").set_index("student_id").loc["zero_template", "score"] == 4


def test_a_run_killed_midway_resumes_to_the_same_grades(toy_course, tmp_path):
    slow = "import time\ndef square(x):\n    time.sleep(0.4)\n    return x * x\n"
    students = {f"s{i:02d}": slow for i in range(8)}
    subs = write_class(tmp_path / "subs", toy_course, students)
    whole = grade_batch("toy", subs, tmp_path / "whole", jobs=2, limits=LIMITS)
    out = tmp_path / "killed"
    code = (f"from autograder.api import grade_batch; from pathlib import Path; "
            f"grade_batch('toy', Path('{subs}'), Path('{out}'), jobs=2)")
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ}, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((out / RESULTS_DIR).glob("s*.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = len(list((out / RESULTS_DIR).glob("s*.json")))
    assert 2 <= saved < len(students) and not (out / "grades.csv").exists()
    resumed = grade_batch("toy", subs, out, jobs=2, limits=LIMITS)
    assert resumed.reused == saved
    cols = ["student_id", "score", "max_score", "status", "test_square_shape", "test_square_values", "test_cube_values"]
    pd.testing.assert_frame_equal(pd.read_csv(out / "grades.csv")[cols], pd.read_csv(tmp_path / "whole" / "grades.csv")[cols])
    for cached in (out / RESULTS_DIR).glob("s*.json"):
        json.loads(cached.read_text())  # every saved result is whole: writes are atomic
    assert whole.reused == 0


@pytest.mark.parametrize("layout, problem", [
    ({}, "no submissions in it"),
    ({"ann.py": "x", "ann": None}, "more than one entry for a student"),
])
def test_unusable_submission_folders_stop_before_grading(toy_course, tmp_path, layout, problem):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name, text in layout.items():
        (subs / name).mkdir() if text is None else (subs / name).write_text(text)
    with pytest.raises(AutograderError, match=problem):
        grade_batch("toy", subs, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_missing_folder_and_out_folder_of_another_assignment(toy_course, tmp_path):
    with pytest.raises(AutograderError, match="no such folder"):
        grade_batch("toy", tmp_path / "nope", tmp_path / "out")
    subs = write_class(tmp_path / "subs", toy_course, {"a": "@reference"})
    out = tmp_path / "out"
    (out / RESULTS_DIR).mkdir(parents=True)
    (out / RESULTS_DIR / "assignment").write_text("hw2\n")
    with pytest.raises(AutograderError, match="holds grades of hw2, not toy"):
        grade_batch("toy", subs, out)


def test_bad_entries_get_their_own_row_and_the_batch_goes_on(toy_course, tmp_path):
    subs = write_class(tmp_path / "subs", toy_course, {"ok": "@reference"})
    (subs / "latin1.py").write_bytes("# caf\xe9\n".encode("latin-1"))
    (subs / "wrongname").mkdir()
    (subs / "wrongname" / "toy_final.py").write_text("x = 1\n")
    (subs / "nothing").mkdir()
    (subs / "nothing" / "notes.txt").write_text("my notes\n")
    (subs / "torchy.py").write_text("import torch\ndef square(x):\n    return x * x\n")
    batch = grade_batch("toy", subs, tmp_path / "out", limits=LIMITS)
    rows = {r.student_id: r for r in batch.results}
    assert rows["ok"].score == 4
    assert rows["latin1"].status == "invalid" and "not UTF-8" in rows["latin1"].message
    # One set of rules for every entry (grading.resolve): the only .py of a one-file assignment is graded, and said.
    assert rows["wrongname"].status == "graded" and "graded toy_final.py as your toy.py" in rows["wrongname"].extra["notes"]
    assert rows["nothing"].status == "invalid" and "missing toy.py (or its notebook toy.ipynb; found: notes.txt)" \
        in rows["nothing"].message
    assert rows["torchy"].status == "forbidden_import" and rows["torchy"].score == 0


def test_partial_isolation_is_said_in_the_report_and_survives_a_resumed_run(toy_course, tmp_path):
    subs = write_class(tmp_path / "subs", toy_course, {"amy": "@reference"})
    first = grade_batch("toy", subs, tmp_path / "out", limits=LIMITS, isolate=False)
    assert first.isolation_warning.startswith("partial isolation")
    assert "Isolation:</b> partial isolation" in (tmp_path / "out" / "report.html").read_text()
    again = grade_batch("toy", subs, tmp_path / "out", limits=LIMITS)
    assert again.reused == 1 and again.isolation_warning.startswith("partial isolation")
    assert "Isolation:</b> partial isolation" in (tmp_path / "out" / "report.html").read_text()


def _machine_has_slot_groups() -> bool:
    from autograder.isolation import cgroups

    groups, _ = cgroups.make_slot_groups(f"autograder-probe-{os.getpid()}", 1, 64, 8)
    if groups is not None:
        groups.remove()
    return groups is not None


def test_the_run_says_how_a_submissions_memory_is_held(toy_course, tmp_path, monkeypatch):
    """With control groups, by them (no note); without (this machine's, or none), by the keeper's watch: said."""
    from autograder.isolation import cgroups

    subs = write_class(tmp_path / "subs", toy_course, {"alice": "@reference"})
    batch = grade_batch("toy", subs, tmp_path / "out", jobs=1)
    watched = [n for n in batch.notes if "by a watch" in n]
    assert bool(watched) != _machine_has_slot_groups(), batch.notes
    monkeypatch.setattr(cgroups, "make_slot_groups", lambda *args, **kwargs: (None, "no cgroups on this machine"))
    batch = grade_batch("toy", subs, tmp_path / "out2", jobs=1)
    assert any("by a watch every few milliseconds, not by a control group (no cgroups on this machine)" in n
               for n in batch.notes), batch.notes
    assert batch.results[0].score == batch.results[0].max_score


SLOW = "import time\nimport numpy as np\ndef square(x):\n    time.sleep(2)\n    return x * x\ndef cube(x):\n    return x ** 3\n"
HANGS = "import numpy as np\ndef square(x):\n    return x * x\ndef cube(x):\n    while True:\n        pass\n"


def test_tests_left_when_the_time_is_used_up_are_not_run_and_say_so_everywhere(toy_course, tmp_path):
    """A test that never ran is `not_run` (not `failed`): in tests.csv, the feedback, check's output, the summary."""
    from autograder.reports.text import batch_summary, format_check

    subs = write_class(tmp_path / "subs", toy_course, {"slow": SLOW})
    batch = grade_batch("toy", subs, tmp_path / "out", limits=Limits(call_timeout_s=5, submission_timeout_s=3,
                                                                        cpu_s=10, memory_mb=512))
    (result,) = batch.results
    outcomes = {o.test: o for o in result.outcomes}
    assert result.status == "graded"
    assert [outcomes[t].outcome for t in ("test_square_values", "test_cube_values")] == ["not_run", "not_run"]
    assert "not run: the time for all your tests together was used up" in outcomes["test_cube_values"].message
    tests = pd.read_csv(tmp_path / "out" / "tests.csv").set_index("test")
    assert tests.loc["test_cube_values", "outcome"] == "not_run"
    assert "| `test_cube_values` | hidden | ⏸ not run | 0 / 1 |" in (tmp_path / "out" / "feedback" / "slow.md").read_text()
    assert "----  test_cube_values  (0/1)" in format_check(result)
    assert "time limits: 1 graded submission lost tests to them (see tests.csv): slow" in batch_summary(batch)


def test_a_function_that_hangs_costs_only_the_tests_that_call_it(toy_course, tmp_path):
    """`cube` loops forever: its first call times out once, its later calls fail at once without spending the
    submission's time again, and every test of `square` still runs, and passes."""
    hidden = toy_course / "assignments" / "toy" / "hidden" / "test_hidden.py"
    hidden.write_text(hidden.read_text() + '''
@pytest.mark.parametrize("n", [1, 2, 3])
def test_cube_again(submission, n):
    """cube(x) cubes, again."""
    assert close(submission.cube(np.arange(float(n))), np.arange(float(n)) ** 3)

def test_square_after_the_cubes(submission):
    """square(x) squares, after the cubes."""
    assert close(submission.square(np.arange(3.0)), np.arange(3.0) ** 2)
''')
    toml = toy_course / "assignments" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text().replace("test_cube_values = 1\n",
                                             "test_cube_values = 1\ntest_cube_again = 1\ntest_square_after_the_cubes = 1\n"))
    subs = write_class(tmp_path / "subs", toy_course, {"hangs": HANGS})
    # The whole submission's time covers one call that hangs, and not two.
    batch = grade_batch("toy", subs, tmp_path / "out", limits=Limits(call_timeout_s=2, submission_timeout_s=3.5,
                                                                        cpu_s=10, memory_mb=512))
    (result,) = batch.results
    outcomes = {o.test: o for o in result.outcomes}
    assert {t for t, o in outcomes.items() if o.outcome != "passed"} == {"test_cube_values", "test_cube_again"}
    assert outcomes["test_cube_values"].message.startswith("`cube` did not finish within 2 s")
    assert outcomes["test_cube_again"].outcome == "failed"
    assert "`cube` was not called again: an earlier call of it did not finish within 2 s" in outcomes["test_cube_again"].message
    assert result.extra["timeouts"] == ["`cube` did not finish within 2 s"] and result.score == 4.0
