"""Taking in an upload: checked (assignment, file, size, the student's rate), stored durably, then queued. The
answer is a value, `Accepted` or `Refused` (an HTTP status and a message the student can act on); the upload is
acknowledged only once its file is synced to disk and its row committed."""
from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path, PurePath

from sqlalchemy import func, select

from autograder.core.course import Assignment
from autograder.gradebooks.late import SubmissionTime, assess
from autograder.grading.submissions import prepare_files, size_limit
from autograder.service.checking import graded_name
from autograder.service.db import transaction
from autograder.service.middleware import size_text
from autograder.service.models import QUEUED, Submission, utcnow

KINDS = ("py", "ipynb")


@dataclass(frozen=True)
class Refused:
    """Why an upload was not taken: the HTTP status and a message for the student."""

    status: int
    message: str
    retry_after_s: int | None = None


@dataclass(frozen=True)
class Accepted:
    submission: Submission


def kind_of(filename: str | None) -> str | None:
    """'py' or 'ipynb' from the client's file name (its suffix is all that is used of it), else None."""
    suffix = PurePath((filename or "").replace("\\", "/")).suffix.lower().lstrip(".")
    return suffix if suffix in KINDS else None


def check_file(assignment: Assignment, filename: str | None, data: bytes, max_upload: int) -> Refused | str:
    """The kind of the upload, or why it cannot be a submission (the engine's own reading: `prepare_files`)."""
    wanted = " or ".join(graded_name(assignment, k) for k in KINDS)
    if len(assignment.files) != 1:
        return Refused(400, f"{assignment.name} takes several files ({', '.join(assignment.files)}); the service "
                            f"takes assignments of one file")
    kind = kind_of(filename)
    if kind is None:
        return Refused(400, f"hand in {wanted} (a .py file or a notebook)")
    name = graded_name(assignment, kind)
    limit = min(size_limit(name), max_upload)
    if len(data) > limit:
        return Refused(413, f"the file is larger than {size_text(limit)}, the limit for a .{kind} file")
    if not data.strip():
        return Refused(400, "the file is empty")
    prepared = prepare_files(assignment, "upload", Path(name), {name: data})
    if not prepared.ok:
        return Refused(400, prepared.message)
    return kind


def lateness(assignment: Assignment, when: dt.datetime) -> float:
    """Days late under the assignment's due date and late policy (0 on time or within the grace period)."""
    return assess(assignment.late_policy, assignment.due, SubmissionTime("", when, False, "service")).days_late


class Intake:
    """Uploads into the store and the database; the rate limit is checked and the row added under a lock per
    student (the service is one process), so a burst cannot slip past it."""

    def __init__(self, sessions, blobs, rate_limit, max_upload: int):
        self.sessions, self.blobs, self.rate, self.max_upload = sessions, blobs, rate_limit, max_upload
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, student_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(student_id, threading.Lock())

    def submit(self, student_id: str, assignment: Assignment, filename: str | None, data: bytes) -> Accepted | Refused:
        checked = check_file(assignment, filename, data, self.max_upload)
        if isinstance(checked, Refused):
            return checked
        with self._lock(student_id):
            now = utcnow()
            wait = self._over_rate(student_id, now)
            if wait is not None:
                return Refused(429, f"at most {self.rate.describe()}: try again in {wait} s", wait)
            blob = self.blobs.put(data)  # synced before the row that names it is committed
            days = lateness(assignment, now)
            row = Submission(id=secrets.token_hex(12), student_id=student_id, assignment=assignment.name, blob=blob,
                             kind=checked, size=len(data), submitted_at=now, late=days > 0, days_late=days,
                             status=QUEUED, message="", outcomes=[], output="", tests_key="")
            with transaction(self.sessions) as session:
                session.add(row)
        return Accepted(row)

    def _over_rate(self, student_id: str, now: dt.datetime) -> int | None:
        """Seconds until the student may hand in again, or None if they may now."""
        since = now - dt.timedelta(seconds=self.rate.window_s)
        with self.sessions() as session:
            recent = session.execute(select(func.count(), func.min(Submission.submitted_at)).where(
                Submission.student_id == student_id, Submission.submitted_at > since)).one()
        if recent[0] < self.rate.count:
            return None
        oldest = recent[1]
        return max(1, int((oldest - since).total_seconds()) + 1)
