"""The sandbox's own guarantees that the attack battery does not cover."""
import pytest

from autograder.core.course import get_assignment
from autograder.grading.collect import collect
from autograder.grading.one import grade_one
from autograder.grading.submissions import read_entry
from autograder.isolation.sandbox import Sandbox
from tests.conftest import write_class


def test_an_allowed_path_under_tmp_stays_visible_above_the_fresh_tmp(toy_course, tmp_path):
    """A checkout (and its venv) under /tmp must still be readable inside: the fresh /tmp goes below the binds."""
    library = tmp_path / "site"  # tmp_path lives under /tmp
    library.mkdir()
    (library / "marker.txt").write_text("visible")
    student = "def square(x):\n    return open(%r).read()\n" % str(library / "marker.txt")
    subs = write_class(tmp_path / "subs", toy_course, {"reader": student})
    assignment = get_assignment("toy")
    with Sandbox() as sandbox:
        if not sandbox.isolated:
            pytest.fail(f"this test needs full isolation (root): {sandbox.warning}")
        sandbox._bind_paths.append(str(library))
        result = grade_one(assignment, collect(assignment), read_entry(assignment, "reader", subs / "reader.py"),
                           sandbox)
    messages = " ".join(o.message for o in result.outcomes)
    assert "FileNotFoundError" not in messages and "should be numeric" in messages


# -- a failure on the grader's side is never a grade ------------------------------------------------------------------
SLOW = "import time\nimport numpy as np\ndef square(x):\n    time.sleep(0.2)\n    return np.asarray(x) ** 2\n" \
       "def cube(x):\n    return np.asarray(x) ** 3\n"


def _kill_keepers_at_start(monkeypatch, times: int, zygote_too: bool = False) -> list[int]:
    """The first `times` submission processes started: their keeper (and maybe the zygote) is killed at once,
    as if it had crashed under them."""
    import os
    import signal

    from autograder.isolation import channel as sandbox_module

    killed: list[int] = []
    original = sandbox_module.SandboxChannel._start

    def start_then_lose_the_keeper(channel):
        original(channel)
        if len(killed) < times:
            keeper = channel._sandbox.keeper(channel._slot)
            killed.append(keeper.pid)
            os.kill(keeper.pid, signal.SIGKILL)
            if zygote_too:
                os.kill(channel._sandbox._proc.pid, signal.SIGKILL)
                channel._sandbox._proc.wait()

    monkeypatch.setattr(sandbox_module.SandboxChannel, "_start", start_then_lose_the_keeper)
    return killed


@pytest.mark.parametrize("zygote_too", [False, True], ids=["keeper", "keeper-and-zygote"])
def test_a_keeper_lost_under_a_submission_costs_it_nothing(toy_course, tmp_path, monkeypatch, zygote_too):
    """Graded again, alone, with a new keeper (and zygote): the same row as if nothing had happened."""
    from autograder.api import grade_batch

    subs = write_class(tmp_path / "subs", toy_course, {"amy": SLOW, "bob": "@reference"})
    calm = grade_batch("toy", subs, tmp_path / "calm", jobs=1)
    killed = _kill_keepers_at_start(monkeypatch, times=1, zygote_too=zygote_too)
    batch = grade_batch("toy", subs, tmp_path / "out", jobs=1)
    assert len(killed) == 1
    for before, after in zip(calm.results, batch.results):
        assert after.status == "graded" and after.score == before.score == 4, after


def test_a_submission_the_grader_fails_twice_on_is_not_graded_never_zero(toy_course, tmp_path, monkeypatch):
    import pandas as pd

    from autograder.api import grade_batch

    subs = write_class(tmp_path / "subs", toy_course, {"amy": SLOW, "bob": "@reference"})
    killed = _kill_keepers_at_start(monkeypatch, times=2)  # amy's try and her second try
    batch = grade_batch("toy", subs, tmp_path / "out", jobs=1)
    rows = {r.student_id: r for r in batch.results}
    assert len(killed) == 2
    assert rows["amy"].status == "grader_error" and "the grader failed twice" in rows["amy"].message
    assert rows["bob"].status == "graded" and rows["bob"].score == 4
    assert [r.student_id for r in batch.not_graded] == ["amy"]
    grades = pd.read_csv(tmp_path / "out" / "grades.csv").set_index("student_id")
    assert pd.isna(grades.loc["amy", "score"]) and grades.loc["bob", "score"] == 4
