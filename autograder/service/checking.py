"""A submission's check: its public tests, in the assignment's warm sandbox (the batch's own engine,
`grading.one.grade_one`), and the verdict recorded. The tests are collected again whenever their files change
(`grading.batch.tests_key`), so a regrade after an edit uses the new ones."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from autograder.core.course import Assignment, get_assignment
from autograder.core.errors import AutograderError
from autograder.core.results import SubmissionResult
from autograder.core.status import Outcome, Status
from autograder.grading.batch import tests_key
from autograder.grading.collect import PUBLIC, TestSpec, collect
from autograder.grading.one import grade_one, sandbox_for
from autograder.grading.planning import record_plan
from autograder.grading.submissions import prepare_files
from autograder.isolation.sandbox import Limits, Sandbox
from autograder.reports.feedback import diagnosis_sentence
from autograder.service.db import transaction
from autograder.service.models import DONE, NOT_GRADED, RUNNING, Submission, utcnow
from autograder.service.storage import BlobStore

log = logging.getLogger("autograder.service")


def graded_name(assignment: Assignment, kind: str) -> str:
    """The name a stored upload is graded under: the assignment's file, or its notebook."""
    return str(Path(assignment.files[0]).with_suffix("." + kind))


def outcomes_json(result: SubmissionResult) -> list[dict]:
    """Each test's outcome as the API shows it: the hint only where the test did not pass, and the mistake its
    answers show (`diagnosis`, in the course's words; "" when none is clear)."""
    return [{"test": o.test, "visibility": o.visibility, "outcome": str(o.outcome), "points": o.points,
             "max_points": o.max_points, "hint": "" if o.outcome == Outcome.PASSED else o.message,
             "diagnosis": diagnosis_sentence(o.diagnosis) if o.diagnosis else ""}
            for o in result.outcomes]


def record(row: Submission | object, result: SubmissionResult) -> None:
    """A result's verdict onto a submission row (or a run's entry): status, message, score, outcomes."""
    row.result_status = str(result.status)
    row.message = result.message
    row.score = result.score if result.has_score else None
    row.max_score = result.max_score
    row.outcomes = outcomes_json(result)


@dataclass
class Tests:
    """The public tests as collected for one version of the test files."""

    assignment: Assignment
    specs: list[TestSpec]
    plan: object
    key: str


class Checker:
    """One assignment's checks: its public tests and its warm sandboxes, one for .py files and one for notebooks
    (whose zygote also holds matplotlib, for their plot cells), each started at the first submission of its kind."""

    def __init__(self, name: str, sessions, blobs: BlobStore, limits: Limits, slots: int):
        self.name, self.sessions, self.blobs, self.limits, self.slots = name, sessions, blobs, limits, slots
        self._tests: Tests | None = None
        self._sandboxes: dict[bool, Sandbox] = {}
        self._lock = threading.Lock()  # the tests
        self._starting = {False: threading.Lock(), True: threading.Lock()}  # each sandbox: one start

    def tests(self) -> Tests:
        """The current public tests (collected again when a test file, the metadata or the oracles change)."""
        with self._lock:
            assignment = get_assignment(self.name)
            key = tests_key(assignment)
            if self._tests is None or self._tests.key != key:
                specs = collect(assignment, (PUBLIC,))
                self._tests = Tests(assignment, specs, record_plan(assignment, specs), key)
            return self._tests

    def sandbox(self, assignment: Assignment, notebooks: bool) -> Sandbox:
        """A warm sandbox, fully isolated or not at all (`isolate=True`: it refuses otherwise)."""
        with self._starting[notebooks]:
            if notebooks not in self._sandboxes:
                sandbox = sandbox_for(assignment, self.limits, self.slots, notebooks=notebooks, isolate=True)
                self._sandboxes[notebooks] = sandbox.__enter__()
            return self._sandboxes[notebooks]

    def check(self, slot: int, submission_id: str) -> None:
        """Grade one stored submission with the public tests and record its verdict (never raises for it)."""
        with transaction(self.sessions) as session:
            row = session.get(Submission, submission_id)
            if row is None:
                return
            row.status = RUNNING
            student_id, blob, kind = row.student_id, row.blob, row.kind
        try:
            tests = self.tests()
            name = graded_name(tests.assignment, kind)
            prepared = prepare_files(tests.assignment, student_id, Path(name), {name: self.blobs.get(blob)})
            sandbox = self.sandbox(tests.assignment, notebooks=prepared.cells is not None)
            result = grade_one(tests.assignment, tests.specs, prepared, sandbox, slot, tests.plan)
            key = tests.key
        except (AutograderError, OSError, ValueError) as exc:  # the service's side: not the student's fault
            log.exception("checking %s", submission_id)
            result, key = SubmissionResult(student_id, Status.GRADER_ERROR, f"the grader failed: {exc}", (), 0.0), ""
        self._save(submission_id, result, key)

    def _save(self, submission_id: str, result: SubmissionResult, key: str) -> None:
        with transaction(self.sessions) as session:
            row = session.get(Submission, submission_id)
            record(row, result)
            row.status = DONE if result.graded else NOT_GRADED
            row.output, row.tests_key, row.graded_at = result.output, key, utcnow()

    def close(self) -> None:
        with self._starting[False], self._starting[True]:
            for sandbox in self._sandboxes.values():
                sandbox.close()
            self._sandboxes.clear()
