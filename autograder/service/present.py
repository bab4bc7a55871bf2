"""A submission as the API and the pages show it: the public tests' verdict, or the released run's (hidden tests
included) for the final submission once the instructor has released them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from autograder.service.models import Release, RunEntry, Submission


def iso(when: dt.datetime | None) -> str | None:
    return when.isoformat(timespec="seconds") if when else None


def released_entry(session, row: Submission) -> RunEntry | None:
    """The released run's entry for this very submission (its student's final one), if there is one."""
    release = session.get(Release, row.assignment)
    if release is None:
        return None
    return session.scalar(select(RunEntry).where(RunEntry.run_id == release.run_id,
                                                 RunEntry.submission_id == row.id))


def submission_json(session, row: Submission) -> dict:
    """The API's view of one submission (`GET /api/v1/submissions/{id}`)."""
    entry = released_entry(session, row)
    source = entry if entry is not None and entry.result_status else row
    finished = row.status not in ("queued", "running") or source is entry
    return {"id": row.id, "student_id": row.student_id, "assignment": row.assignment, "status": row.status,
            "submitted_at": iso(row.submitted_at), "late": row.late, "days_late": row.days_late,
            "result": source.result_status, "message": source.message if finished else "",
            "outcomes": list(source.outcomes or []) if finished else [],
            "score": source.score if finished else None, "max_score": source.max_score if finished else None,
            "hidden_released": source is entry}
