"""The running service's parts, made once at start-up: the database (migrated), the store, the intake, the
grading pool (a `Checker` per assignment) and the grading runs. Start-up refuses, with the reason, where the
machine cannot isolate submissions fully, where the database cannot be opened, or before any token exists."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from autograder.core.course import Assignment, get_assignment, list_assignments
from autograder.core.errors import AutograderError
from autograder.gradebooks.roster import Roster, load_roster
from autograder.isolation.backends import ALLOW_FLAG
from autograder.isolation.sandbox import Sandbox
from autograder.service.checking import Checker
from autograder.service.config import Settings
from autograder.service.db import open_database, transaction
from autograder.service.intake import Intake
from autograder.service.models import QUEUED, RUNNING, Submission
from autograder.service.pool import AssignmentPool, GradingPool
from autograder.service.runs import Runs, final_submissions
from autograder.service.storage import BlobStore

SECRET_FILE = "session.key"


def require_full_isolation() -> str:
    """The backend a submission would get here (a fully isolating one), or `AutograderError` saying why none is
    available and what to change (the sandbox's own probe and refusal; the service has no way round it)."""
    try:
        with Sandbox(jobs=1, isolate=True, torch=False) as sandbox:
            return sandbox.label
    except AutograderError as exc:
        lines = [line for line in str(exc).splitlines() if ALLOW_FLAG not in line]
        lines[0] = lines[0].replace("so nothing was graded", "so the service does not start: it runs the code of "
                                                             "anyone with a link, and only fully isolated")
        raise AutograderError("\n".join(lines)) from None


def session_secret(data: Path) -> str:
    """The key that signs session cookies: made once, kept in DATA (readable by its owner only)."""
    path = data / SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
            f.flush()
            os.fsync(f.fileno())
    return path.read_text().strip()


@dataclass
class Service:
    settings: Settings
    sessions: object
    blobs: BlobStore
    intake: Intake
    runs: Runs
    isolation: str
    checkers: dict[str, Checker] = field(default_factory=dict)
    pool: GradingPool | None = None
    _roster: tuple[float, Roster] | None = None

    @classmethod
    def open(cls, settings: Settings) -> "Service":
        if not settings.roster_path.is_file():
            raise AutograderError(f"{settings.data} holds no roster yet: run `autograder tokens --data "
                                  f"{settings.data} --roster ROSTER.csv --out tokens.csv` first")
        isolation = require_full_isolation()
        sessions = open_database(settings.database_url)
        blobs = BlobStore(settings.data / "blobs")
        intake = Intake(sessions, blobs, settings.rate_limit, settings.max_upload_bytes)
        runs = Runs(settings.data / "runs", sessions, blobs, settings, settings.roster_path)
        service = cls(settings, sessions, blobs, intake, runs, isolation)
        service.pool = GradingPool(service._assignment_pool)
        return service

    def _assignment_pool(self, name: str) -> AssignmentPool:
        checker = self.checkers[name] = Checker(name, self.sessions, self.blobs, self.settings.check_limits,
                                                self.settings.slots)
        return AssignmentPool(name, self.settings.slots, checker.check)

    def start(self) -> None:
        """Queue again what a stop left unchecked (oldest first), and resume interrupted grading runs."""
        with self.sessions() as session:
            waiting = session.execute(select(Submission.id, Submission.assignment, Submission.student_id)
                                      .where(Submission.status.in_((QUEUED, RUNNING)))
                                      .order_by(Submission.submitted_at)).all()
        for submission_id, assignment, student_id in waiting:
            self.pool.put(assignment, student_id, submission_id)
        self.runs.start()

    def queue(self, row: Submission) -> None:
        self.pool.put(row.assignment, row.student_id, row.id)

    def regrade(self, assignment: str) -> int:
        """Each student's latest submission of `assignment` queued again (after a test file changed): how many."""
        with transaction(self.sessions) as session:
            finals = list(final_submissions(session, assignment).values())
            for row in finals:
                row.status = QUEUED
        for row in finals:
            self.queue(row)
        return len(finals)

    def assignments(self) -> list[Assignment]:
        return list_assignments()

    def assignment(self, name: str) -> Assignment | None:
        try:
            return get_assignment(name)
        except AutograderError:
            return None

    def roster(self) -> Roster:
        """The roster `tokens` copied into DATA, read again when it changes."""
        mtime = self.settings.roster_path.stat().st_mtime
        if self._roster is None or self._roster[0] != mtime:
            self._roster = (mtime, load_roster(self.settings.roster_path))
        return self._roster[1]

    def close(self) -> None:
        self.runs.close()
        if self.pool is not None:
            self.pool.close()
        for checker in self.checkers.values():
            checker.close()
