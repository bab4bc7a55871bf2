"""Late submissions: when each submission came in, and the penalty its assignment's policy gives.

The policy (`core.latepolicy`) lives in the assignment's metadata (`[late_policy]` in
assignment.toml) and can be overridden on the command line. A submission's
time comes from a times CSV (`student_id,submitted_at[,late]`), which the
import of a platform download writes for you (`DIR/submission_times.csv`);
a Canvas download only says LATE, without a time, and such a submission is
charged `unknown_days` days.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path

from autograder.core.errors import AutograderError
from autograder.core.latepolicy import LatePolicy
from autograder.core.text import spreadsheet_plain, spreadsheet_safe

DAY = dt.timedelta(days=1)
TIMES_FILE = "submission_times.csv"
TIMES_COLUMNS = ["student_id", "submitted_at", "late", "source"]
TRUE_WORDS = {"1", "true", "yes", "late", "y"}
FALSE_WORDS = {"", "0", "false", "no", "n", "on time", "on_time"}


@dataclass(frozen=True)
class SubmissionTime:
    """When a student's submission came in, as far as we know."""

    student_id: str
    submitted_at: dt.datetime | None
    late_flag: bool
    source: str


def parse_time(text: str, where: str) -> dt.datetime | None:
    """ISO 8601; a time without a zone is taken as UTC, like the due dates of assignment.toml."""
    text = text.strip()
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise AutograderError(f"{where}: {text!r} is not an ISO 8601 date-time (e.g. 2026-10-02T23:59:00+00:00)") \
            from None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _flag(text: str, where: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise AutograderError(f"{where}: late must be true/false (or LATE), got {text!r}")


def read_times(path: Path) -> list[SubmissionTime]:
    """Rows of a times CSV: `student_id`, `submitted_at` (ISO 8601, may be empty), optional `late` and `source`."""
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        raise AutograderError(f"{path}: no such times file") from None
    except UnicodeDecodeError:
        raise AutograderError(f"{path}: not UTF-8 text") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("student_id", "submitted_at") if c not in header]
    if missing:
        raise AutograderError(f"{path}: missing column(s) {', '.join(missing)} (found: {', '.join(header) or 'none'})")
    times, seen = [], set()
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): spreadsheet_plain(v or "") for k, v in row.items()}  # as times_text wrote it
        sid = row["student_id"].strip()
        where = f"{path}:{line}"
        if not sid:
            raise AutograderError(f"{where}: empty student_id")
        if sid in seen:
            raise AutograderError(f"{where}: {sid} appears twice; keep one time per student")
        seen.add(sid)
        times.append(SubmissionTime(sid, parse_time(row["submitted_at"], where),
                                    _flag(row.get("late", ""), where), row.get("source", "").strip() or str(path)))
    return times


def times_text(times: list[SubmissionTime]) -> str:
    """The times CSV that `read_times` reads back; no text cell in it runs as a formula in a spreadsheet."""
    lines = [",".join(TIMES_COLUMNS)]
    for t in sorted(times, key=lambda t: t.student_id):
        row = [spreadsheet_safe(t.student_id), t.submitted_at.isoformat() if t.submitted_at else "",
               "true" if t.late_flag else "false", spreadsheet_safe(t.source)]
        lines.append(_csv_line(row))
    return "\n".join(lines) + "\n"


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue()


@dataclass(frozen=True)
class Lateness:
    """What the policy makes of one submission: days late, the percent taken off, and why."""

    days_late: float
    percent: float
    note: str


def assess(policy: LatePolicy | None, due: dt.datetime | None, time: SubmissionTime | None) -> Lateness:
    """Days late and penalty percent for one submission (0 when on time, unknown, or without a policy)."""
    if time is None or (time.submitted_at is None and not time.late_flag):
        return Lateness(0.0, 0.0, "")
    if time.submitted_at is not None:
        if due is None:
            return Lateness(0.0, 0.0, "no due date in assignment.toml: lateness not assessed")
        late_by = time.submitted_at - due
        grace = dt.timedelta(minutes=policy.grace_minutes if policy else 0.0)
        if late_by <= dt.timedelta(0):
            return Lateness(0.0, 0.0, "")
        if late_by <= grace:
            return Lateness(0.0, 0.0, f"within the {policy.grace_minutes:g} min grace period")
        days = float(math.ceil(late_by / DAY))
        note = f"{days:g} day(s) late"
    else:
        days = policy.unknown_days if policy else 1.0
        note = f"marked LATE by the platform, no time: charged {days:g} day(s)"
    if policy is None:
        return Lateness(days, 0.0, note + "; no late policy")
    if policy.zero_after_days is not None and days > policy.zero_after_days:
        return Lateness(days, 100.0, note + f"; more than {policy.zero_after_days:g} days: zero")
    return Lateness(days, min(policy.max_percent, days * policy.percent_per_day), note)


def apply(policy: LatePolicy | None, lateness: Lateness, raw: float, max_points: float) -> tuple[float, float]:
    """(penalty, final score), rounded to hundredths; the final score is never below zero."""
    if not lateness.percent or policy is None:
        return 0.0, round(raw, 2)
    base = raw if policy.basis == "score" or lateness.percent >= 100 else max_points
    final = round(max(0.0, raw - base * lateness.percent / 100.0), 2)
    return round(raw - final, 2), final
