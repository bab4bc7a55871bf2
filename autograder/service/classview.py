"""The class as the instructor's pages show it: per roster student, their latest submission's public verdict
and their final submission's result in the latest grading run; per assignment, the run and release state."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from autograder.core.course import Assignment
from autograder.gradebooks.roster import Student
from autograder.grading.batch import tests_key
from autograder.service.models import QUEUED, RUNNING, GradeRun, Release, RunEntry, Submission


@dataclass(frozen=True)
class ClassRow:
    student_id: str
    name: str
    section: str
    count: int
    latest: Submission | None
    final: RunEntry | None


@dataclass(frozen=True)
class ClassView:
    assignment: Assignment
    rows: list[ClassRow]
    run: GradeRun | None  # the latest run, whatever its state
    graded_run: GradeRun | None  # the latest completed one (its rows are shown)
    release: Release | None
    waiting: int  # submissions queued or being checked
    stale: int  # latest verdicts given by other tests than the current ones

    @property
    def handed_in(self) -> int:
        return sum(1 for r in self.rows if r.latest is not None)


def _runs(session, name: str) -> tuple[GradeRun | None, GradeRun | None]:
    latest = session.scalar(select(GradeRun).where(GradeRun.assignment == name).order_by(GradeRun.id.desc()))
    done = session.scalar(select(GradeRun).where(GradeRun.assignment == name, GradeRun.status == "done")
                          .order_by(GradeRun.id.desc()))
    return latest, done


def class_view(session, assignment: Assignment, students: tuple[Student, ...]) -> ClassView:
    """Every roster student (and anyone else who handed in), with what the pages show of them."""
    rows = session.scalars(select(Submission).where(Submission.assignment == assignment.name)
                           .order_by(Submission.submitted_at)).all()
    latest = {row.student_id: row for row in rows}
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.student_id] = counts.get(row.student_id, 0) + 1
    run, done = _runs(session, assignment.name)
    entries = {} if done is None else {e.student_id: e for e in session.scalars(
        select(RunEntry).where(RunEntry.run_id == done.id))}
    people = [(s.student_id, s.display_name, s.section) for s in students]
    people += [(sid, "(not in the roster)", "") for sid in sorted(set(latest) - {s.student_id for s in students})]
    key = tests_key(assignment)
    return ClassView(assignment, [ClassRow(sid, name, section, counts.get(sid, 0), latest.get(sid), entries.get(sid))
                                  for sid, name, section in people],
                     run, done, session.get(Release, assignment.name),
                     sum(1 for r in latest.values() if r.status in (QUEUED, RUNNING)),
                     sum(1 for r in latest.values() if r.tests_key and r.tests_key != key))


def overview(session, assignments: list[Assignment]) -> list[tuple[Assignment, int, int, GradeRun | None, Release | None]]:
    """Per assignment: submissions, students who handed in, the latest run, the release."""
    counts = dict(session.execute(select(Submission.assignment, func.count()).group_by(Submission.assignment)).all())
    students = dict(session.execute(select(Submission.assignment, func.count(func.distinct(Submission.student_id)))
                                    .group_by(Submission.assignment)).all())
    return [(a, counts.get(a.name, 0), students.get(a.name, 0), _runs(session, a.name)[0],
             session.get(Release, a.name)) for a in assignments]


def history(session, student_id: str) -> list[Submission]:
    """Every submission of one student, newest first."""
    return session.scalars(select(Submission).where(Submission.student_id == student_id)
                           .order_by(Submission.submitted_at.desc())).all()
