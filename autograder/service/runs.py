"""The instructor's grading runs: every student's final submission (their latest) graded with the hidden and
public tests by the batch engine (`api.grade_batch`), one run at a time in the background, resumable after a
restart (the batch keeps each result as it finishes); then released to the students, and exported.

A run's folder, DATA/runs/<assignment>/<run>/: `submissions/<student>.py` (copied from the store), `out/` (what
`autograder grade` writes: grades.csv, report.html, feedback...), `times.csv` (when each was handed in, for the
late policy of the exports), `exports/`.
"""
from __future__ import annotations

import logging
import queue
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from autograder import api
from autograder.core.errors import AutograderError
from autograder.gradebooks.late import SubmissionTime, times_text
from autograder.grading.batch import GradeOptions
from autograder.service.checking import record
from autograder.service.db import transaction
from autograder.service.models import DONE, FAILED, QUEUED, RUNNING, GradeRun, Release, RunEntry, Submission, utcnow

log = logging.getLogger("autograder.service")
EXPORT_SUFFIX = {"canvas": "csv", "moodle": "csv", "blackboard": "csv", "csv": "csv"}


@dataclass(frozen=True)
class RunRefused:
    status: int
    message: str


def final_submissions(session, assignment: str) -> dict[str, Submission]:
    """Each student's latest submission of `assignment`: the one a run grades."""
    rows = session.scalars(select(Submission).where(Submission.assignment == assignment)
                           .order_by(Submission.submitted_at, Submission.id)).all()
    return {row.student_id: row for row in rows}  # later ones replace earlier ones


class Runs:
    """Grading runs, executed one at a time by a background thread."""

    def __init__(self, root: Path, sessions, blobs, settings, roster_path: Path):
        self.root, self.sessions, self.blobs, self.settings, self.roster_path = root, sessions, blobs, settings, roster_path
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._export_lock = threading.Lock()

    def folder(self, run: GradeRun) -> Path:
        return self.root / run.assignment / str(run.id)

    def start(self) -> None:
        """The background thread, and the runs a stop interrupted (queued or running) queued again."""
        with self.sessions() as session:
            unfinished = session.scalars(select(GradeRun.id).where(GradeRun.status.in_((QUEUED, RUNNING)))
                                         .order_by(GradeRun.id)).all()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="grade-runs")
        self._thread.start()
        for run_id in unfinished:
            self._queue.put(run_id)

    def request(self, assignment: str) -> GradeRun | RunRefused:
        """A new run of `assignment` (or the one already waiting or running)."""
        with transaction(self.sessions) as session:
            active = session.scalar(select(GradeRun).where(GradeRun.assignment == assignment,
                                                           GradeRun.status.in_((QUEUED, RUNNING))))
            if active is not None:
                return active
            finals = final_submissions(session, assignment)
            if not finals:
                return RunRefused(409, f"no student has handed in {assignment} yet: nothing to grade")
            run = GradeRun(assignment=assignment, status=QUEUED, message="")
            session.add(run)
            session.flush()
            session.add_all(RunEntry(run_id=run.id, student_id=sid, submission_id=row.id, message="", outcomes=[])
                            for sid, row in finals.items())
        self._queue.put(run.id)
        return run

    def _serve(self) -> None:
        while (run_id := self._queue.get()) is not None:
            try:
                self._execute(run_id)
            except Exception as exc:  # noqa: BLE001 (a failed run is reported on the class page; the next goes on)
                log.exception("grading run %s", run_id)
                self._finish(run_id, FAILED, f"{type(exc).__name__}: {exc}")

    def _execute(self, run_id: int) -> None:
        with transaction(self.sessions) as session:
            run = session.get(GradeRun, run_id)
            if run.status not in (QUEUED, RUNNING):
                return
            run.status = RUNNING
            entries = session.scalars(select(RunEntry).where(RunEntry.run_id == run_id)).all()
            rows = {e.student_id: session.get(Submission, e.submission_id) for e in entries}
        folder = self.folder(run)
        subs = self._materialise(folder, rows)
        options = GradeOptions(jobs=self.settings.grade_jobs, limits=self.settings.grade_limits, isolate=True,
                               replace=True)
        try:
            batch = api.grade_batch(run.assignment, subs, folder / "out", options)
        except AutograderError as exc:
            self._finish(run_id, FAILED, str(exc))
            return
        with transaction(self.sessions) as session:
            for result in batch.results:
                entry = session.get(RunEntry, (run_id, result.student_id))
                if entry is not None:
                    record(entry, result)
        (folder / "times.csv").write_text(times_text([SubmissionTime(sid, row.submitted_at, False, "service")
                                                      for sid, row in rows.items()]), "utf-8")
        self._finish(run_id, DONE, f"{len(batch.results)} graded, {len(batch.not_graded)} not graded, "
                                   f"{batch.reused} reused, {batch.seconds:g} s")

    def _materialise(self, folder: Path, rows: dict[str, Submission]) -> Path:
        """The run's folder of submissions, `<student>.<kind>`, from the store (again on a resumed run)."""
        subs = folder / "submissions"
        if subs.exists():
            shutil.rmtree(subs)
        subs.mkdir(parents=True)
        for sid, row in rows.items():
            (subs / f"{sid}.{row.kind}").write_bytes(self.blobs.get(row.blob))
        return subs

    def _finish(self, run_id: int, status: str, message: str) -> None:
        with transaction(self.sessions) as session:
            run = session.get(GradeRun, run_id)
            run.status, run.message, run.finished_at = status, message, utcnow()

    def latest_done(self, session, assignment: str) -> GradeRun | None:
        return session.scalar(select(GradeRun).where(GradeRun.assignment == assignment, GradeRun.status == DONE)
                              .order_by(GradeRun.id.desc()))

    def release(self, assignment: str) -> Release | RunRefused:
        """Show the latest completed run's results (hidden tests included) to the students."""
        with transaction(self.sessions) as session:
            run = self.latest_done(session, assignment)
            if run is None:
                return RunRefused(409, f"no completed grading run of {assignment} to release: grade it first")
            release = session.get(Release, assignment) or Release(assignment=assignment, run_id=run.id)
            release.run_id, release.released_at = run.id, utcnow()
            session.add(release)
            return release

    def grades_file(self, assignment: str) -> Path | RunRefused:
        """grades.csv of the latest completed run."""
        with self.sessions() as session:
            run = self.latest_done(session, assignment)
        if run is None:
            return RunRefused(404, f"no completed grading run of {assignment} yet")
        return self.folder(run) / "out" / "grades.csv"

    def report_file(self, assignment: str) -> Path | RunRefused:
        found = self.grades_file(assignment)
        return found if isinstance(found, RunRefused) else found.with_name("report.html")

    def export(self, assignment: str, platform: str, platform_id: str | None = None) -> Path | RunRefused:
        """A platform's gradebook file of the latest completed run (`api.export`, with the roster and the times
        of the final submissions); a refusal with the export's own message when it cannot be made."""
        if platform not in EXPORT_SUFFIX:
            return RunRefused(404, f"no export for {platform!r}; known: {', '.join(EXPORT_SUFFIX)}")
        with self.sessions() as session:
            run = self.latest_done(session, assignment)
        if run is None:
            return RunRefused(404, f"no completed grading run of {assignment} yet")
        folder = self.folder(run)
        out = folder / "exports" / f"{assignment}_{platform}.{EXPORT_SUFFIX[platform]}"
        out.parent.mkdir(exist_ok=True)
        with self._export_lock:  # one export holds the run's folder at a time
            try:
                api.export(platform, folder / "out", self.roster_path, out, assignment_name=assignment,
                           times_path=folder / "times.csv", platform_id=platform_id or None)
            except AutograderError as exc:
                return RunRefused(400, str(exc))
        return out

    def close(self) -> None:
        self._queue.put(None)
