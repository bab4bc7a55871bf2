"""The service's tables: sign-in tokens, submissions, the instructor's grading runs and their rows, releases.

A submission's file is not in the database: `blob` is the SHA-256 of its bytes in the content-addressed store
(`storage`). The schema is Alembic's (`migrations/`): a change here needs a new revision there.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

STUDENT, INSTRUCTOR = "student", "instructor"
QUEUED, RUNNING, DONE, NOT_GRADED, FAILED = "queued", "running", "done", "not_graded", "failed"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """An aware UTC time, stored the same way by SQLite (which keeps no zone) and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("times are stored in UTC, with their zone")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


class Base(DeclarativeBase):
    pass


class Token(Base):
    """Who may sign in: a student of the roster or the instructor. Only the token's SHA-256 is kept."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    role: Mapped[str] = mapped_column(String(16))
    student_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Submission(Base):
    """One upload and its verdict on the public tests (`status`: queued, running, done, not_graded)."""

    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_student_assignment", "student_id", "assignment", "submitted_at"),
                      Index("ix_submissions_status", "status"))
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    student_id: Mapped[str] = mapped_column(String(128))
    assignment: Mapped[str] = mapped_column(String(64))
    blob: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # "py" or "ipynb": the name it is graded under
    size: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    days_late: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    result_status: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the engine's `Status`
    message: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    outcomes: Mapped[list] = mapped_column(JSON, default=list)
    output: Mapped[str] = mapped_column(Text, default="")
    tests_key: Mapped[str] = mapped_column(String(32), default="")
    graded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class GradeRun(Base):
    """The instructor's grading of every student's final submission with the hidden tests (`api.grade_batch`)."""

    __tablename__ = "grade_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)  # queued, running, done, failed
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")


class RunEntry(Base):
    """One student's final submission in a grading run, and what the hidden and public tests gave it."""

    __tablename__ = "run_entries"
    run_id: Mapped[int] = mapped_column(ForeignKey("grade_runs.id"), primary_key=True)
    student_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    result_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    outcomes: Mapped[list] = mapped_column(JSON, default=list)


class Release(Base):
    """The grading run whose hidden results the students of an assignment see."""

    __tablename__ = "releases"
    assignment: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("grade_runs.id"))
    released_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
