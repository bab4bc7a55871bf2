"""The one function that grades one submission. Every caller goes through it: a batch, `check`, Gradescope,
mutation testing, the reference's runs, the benchmark's in-process floor.

    result = grade_one(assignment, specs, prepared, opener, slot=0, plan=None)

It takes the assignment, its tests, the prepared submission and an `Opener`: what opens a channel to the
student's code (the sandbox, `isolation.sandbox.Sandbox`, or this very process, `protocol.InProcess`).
It owns everything between: a submission that cannot run, the load request, the timing, the output, a
failure on the grader's side (graded again, alone; a second failure is a `grader_error` row, never 0
points), and the one place a `SubmissionResult` is made.
"""
from __future__ import annotations

import json
import time
from typing import ContextManager, Protocol

from autograder.core.course import Assignment
from autograder.core.errors import GraderFailed
from autograder.core.results import SubmissionResult
from autograder.core.status import Status
from autograder.grading.collect import TestSpec
from autograder.grading.diagnosis import Watch, load_store
from autograder.grading.protocol import Channel, Submission
from autograder.grading.runner import TestRun, not_run, run_tests
from autograder.grading.submissions import Prepared
from autograder.isolation.child import CELLS_FILE
from autograder.isolation.sandbox import Limits, Sandbox


class Opener(Protocol):
    """What opens channels to students' code: the sandbox, or this process (see the module's doc)."""

    isolation: str  # the backend's name, recorded in each result

    def channel(self, files: dict[str, str], load: dict, slot: int, plan) -> ContextManager[Channel]: ...

    def recover(self, slot: int) -> None: ...  # after a failure on the grader's side: start again what ended

    def alone(self) -> ContextManager[None]: ...  # no other submission is graded meanwhile


def load_request(assignment: Assignment, prepared: Prepared) -> dict:
    """What the student's process needs to load a submission (no test, no expected value)."""
    request = {"files": list(assignment.files), "probes": assignment.probes_source(),
               "forbid": list(assignment.forbid_imports)}
    if prepared.cells is not None:  # the cells themselves are a file beside the submission's (see `child`)
        request["cells_file"] = CELLS_FILE
    return request


def workdir_files(prepared: Prepared) -> dict[str, str]:
    """The files of the submission's own folder: the only way its code reaches its process."""
    files = dict(prepared.files)
    if prepared.cells is not None:
        names = prepared.cell_names or [f"cell {n}" for n in range(1, len(prepared.cells) + 1)]
        files[CELLS_FILE] = json.dumps([[name, cell] for name, cell in zip(names, prepared.cells)])
    return files


def grade_one(assignment: Assignment, specs: list[TestSpec], prepared: Prepared, opener: Opener, slot: int = 0,
              plan=None) -> SubmissionResult:
    """Every test against one submission, through `opener`; never raises for the student's sake.

    `plan`: the tests' calls to send ahead (see `planning`), recorded for these very `specs`."""
    if not prepared.ok:
        return result_of(prepared, TestRun(Status(prepared.status), prepared.message,
                                           not_run(specs, prepared.message)))
    start = time.perf_counter()
    try:
        run, output = _attempt(assignment, specs, prepared, opener, slot, plan)
    except GraderFailed:
        with opener.alone():  # alone: if this submission breaks the grader, no one else pays for it
            try:
                opener.recover(slot)
                run, output = _attempt(assignment, specs, prepared, opener, slot, plan)
            except GraderFailed as exc:
                run, output = failed_twice(specs, str(exc)), ""
    return result_of(prepared, run, output, round(time.perf_counter() - start, 6), opener.isolation)


def failed_twice(specs: list[TestSpec], why: str) -> TestRun:
    """The run of a submission the grader failed to grade, once more alone too: no score, and a row that says why."""
    return TestRun(Status.GRADER_ERROR, f"the grader failed twice: {why}",
                   not_run(specs, "not graded: the grader failed; tell your instructor"))


def _attempt(assignment: Assignment, specs: list[TestSpec], prepared: Prepared, opener: Opener, slot: int,
             plan) -> tuple[TestRun, str]:
    store = load_store(assignment)  # named mistakes' answers: compared here, in the grader, never sent
    with opener.channel(workdir_files(prepared), load_request(assignment, prepared), slot, plan) as channel:
        watch = Watch(channel, store) if store is not None else None
        try:
            run = run_tests(specs, Submission(watch or channel, assignment.files), channel.deadline, watch)
        except GraderFailed:
            raise
        except Exception as exc:  # the grader's own bug: graded again once, then a row that says so
            raise GraderFailed(f"{type(exc).__name__}: {exc}") from exc
    return run, channel.output


def result_of(prepared: Prepared, run: TestRun, output: str = "", duration_s: float = 0.0,
              isolation: str = "") -> SubmissionResult:
    """The one place a result row is made: the run, and what was learnt before (digest, answers, notes)."""
    extra = {"files": list(prepared.graded)} if prepared.graded else {}
    notes = [*prepared.notes, *run.notes]
    if notes:
        extra["notes"] = notes
    if prepared.answers:
        extra["answers"] = dict(prepared.answers)
    if run.timeouts:
        extra["timeouts"] = list(run.timeouts)
    return SubmissionResult(prepared.student_id, run.status, run.message, run.outcomes, duration_s, output,
                            prepared.digest, extra, isolation)


def sandbox_for(assignment: Assignment, limits: Limits = Limits(), jobs: int = 1, *, notebooks: bool = False,
                isolate: bool | None = None, allow_partial: bool = False) -> Sandbox:
    """The sandbox for grading `assignment`: the one place its settings are derived from the assignment (the
    course stays out of the students' root; no torch in the zygote where the assignment forbids it;
    matplotlib warm where notebooks, whose plot cells use it, are graded)."""
    return Sandbox(limits, jobs=jobs, isolate=isolate, allow_partial=allow_partial, course_root=assignment.course_root,
                   preload=("matplotlib.pyplot",) if notebooks else (), torch="torch" not in assignment.forbid_imports)
