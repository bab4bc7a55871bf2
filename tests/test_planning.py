"""Calls sent ahead (`planning`): never a reference answer in a plan, and the same grades as one call at a time."""
import textwrap
import time
from pathlib import Path

import pytest

from autograder.core.course import load_assignment
from autograder.grading.collect import collect
from autograder.grading.one import grade_one
from autograder.grading.planning import record_plan
from autograder.grading.submissions import read_entry
from autograder.isolation import channel as sandbox_module
from autograder.isolation.sandbox import Limits, Sandbox

TOML = """
title = "Plan"
files = ["plan.py"]
[tests]
test_square = 2
test_fit_then_predict = 2
test_square_then_slow = 1
test_slow_alone = 1
"""

TESTS = '''
import numpy as np
import pytest
from autograder.testing import close

@pytest.mark.parametrize("n", [1, 4])
def test_square(submission, n):
    """square squares."""
    x = np.arange(float(n))
    assert close(submission.square(x), x**2)

def test_fit_then_predict(submission):
    """predict uses the weight fit returns."""
    w = submission.fit(np.arange(3.0))
    assert close(w, 3.0), "fit is off"
    assert close(submission.predict(w, 2.0), 2.0 * w), "predict is off"

def test_square_then_slow(submission):
    """square, then slow."""
    assert close(submission.square(np.array([3.0])), [9.0]), "square is off"
    assert close(submission.slow(1.0), 2.0), "slow is off"

def test_slow_alone(submission):
    """slow adds one."""
    assert close(submission.slow(5.0), 6.0)
'''

REFERENCE = '''
import numpy as np

def square(x):
    return x * x

def fit(x):
    return float(np.sum(x)) + 1e-3 * 0.123456789

def predict(w, x):
    return w * x

def slow(x):
    return x + 1.0
'''

STUDENTS = {
    "reference": REFERENCE,
    # Live, test_square_then_slow stops at its first assert and slow(1.0) never runs; sent ahead, it runs and
    # hangs: test_slow_alone must still pass, in a fresh process.
    "wrong_square_hangs_in_slow": REFERENCE.replace("return x * x", "return x + 1").replace(
        "return x + 1.0", "while x == 1.0:\n        pass\n    return x + 1.0"),
    "crashes_in_predict": REFERENCE.replace("return w * x", "import os\n    os._exit(3)"),
    "fit_wrong": REFERENCE.replace("+ 1e-3 * 0.123456789", "+ 1.0"),
    "fit_slightly_off": REFERENCE.replace("0.123456789", "0.123456780"),
    "raises_in_square": REFERENCE.replace("return x * x", "raise ValueError('no')"),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("plan-course")
    a = root / "assignments" / "plan"
    (a / "hidden").mkdir(parents=True)
    (a / "public").mkdir()
    (a / "assignment.toml").write_text(TOML)
    (a / "hidden" / "test_hidden.py").write_text(textwrap.dedent(TESTS))
    (root / "reference" / "plan").mkdir(parents=True)
    (root / "reference" / "plan" / "plan.py").write_text(REFERENCE)
    subs = root / "subs"
    subs.mkdir()
    for sid, text in STUDENTS.items():
        (subs / f"{sid}.py").write_text(text)
    return load_assignment(a, root), subs


def test_a_call_fed_an_answer_is_never_planned(course):
    assignment, _ = course
    plan = record_plan(assignment, collect(assignment))
    names = [frame.split(b'"name":"')[1].split(b'"')[0].decode() for frame in plan.frames]
    assert names == ["square", "square", "fit", "square", "slow", "slow"]
    assert b"predict" not in plan.message and b"3.000123" not in plan.message


def test_sent_ahead_grades_like_one_call_at_a_time(course, monkeypatch):
    assignment, subs = course
    specs = collect(assignment)
    plan = record_plan(assignment, specs)
    planned_reads = []
    read_planned = sandbox_module.SandboxChannel._read_planned
    monkeypatch.setattr(sandbox_module.SandboxChannel, "_read_planned",
                        lambda self, what: planned_reads.append(what) or read_planned(self, what))
    limits = Limits(call_timeout_s=1.0, submission_timeout_s=20.0)
    with Sandbox(limits, course_root=assignment.course_root, torch=False) as sandbox:
        for sid in STUDENTS:
            prepared = read_entry(assignment, sid, subs / f"{sid}.py")
            planned_reads.clear()
            ahead = grade_one(assignment, specs, prepared, sandbox, plan=plan)
            used = len(planned_reads)
            alone = grade_one(assignment, specs, prepared, sandbox, plan=None)
            assert planned_reads == planned_reads[:used], "one call at a time must not read from a plan"
            assert [(o.test, o.points, o.outcome, o.message) for o in ahead.outcomes] == \
                   [(o.test, o.points, o.outcome, o.message) for o in alone.outcomes], sid
            assert ahead.status == alone.status == "graded"
            if sid == "reference":
                assert used == len(plan) and ahead.score == ahead.max_score
            if sid == "wrong_square_hangs_in_slow":
                points = {o.test: o.points for o in ahead.outcomes}
                assert points["test_slow_alone"] == 1 and points["test_square_then_slow"] == 0
            if sid == "crashes_in_predict":
                message = {o.test: o.message for o in ahead.outcomes}["test_fit_then_predict"]
                assert "ended during `predict`" in message


def test_no_reference_no_plan(course, tmp_path):
    assignment, _ = course
    moved = tmp_path / "elsewhere"
    reference = Path(assignment.reference_dir)
    reference.rename(moved)
    try:
        assert record_plan(assignment, collect(assignment)) is None
    finally:
        moved.rename(reference)


@pytest.mark.parametrize("broken", ["this is not python\n", "def square(x):\n    while True:\n        pass\n"])
def test_a_reference_that_cannot_run_gives_no_plan_and_stops_nothing(course, broken):
    """A reference that does not import, or hangs, only costs the plan: grading goes on one call at a time."""
    assignment, _ = course
    path = Path(assignment.reference_dir) / "plan.py"
    good = path.read_text()
    path.write_text(broken)
    try:
        start = time.monotonic()
        assert record_plan(assignment, collect(assignment), time_limit_s=0.5) is None
        assert time.monotonic() - start < 10
    finally:
        path.write_text(good)
