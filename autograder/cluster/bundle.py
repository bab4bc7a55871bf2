"""What a worker needs of an assignment to grade it, as text, and the temporary course folder it is unpacked in.

The files are those grading reads (`batch.grading_files`: metadata, probes, tests, stored oracle values),
never the reference or anything else of the course, so a worker needs no shared file system and no copy of
the course. A worker writes them into a folder only its own user can enter and collects the tests there.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.core.course import Assignment, load_assignment
from autograder.grading.batch import grading_files


@dataclass(frozen=True)
class Bundle:
    """An assignment's name and its grading files: path inside `assignments/<name>/` -> text."""

    name: str
    files: dict[str, str]


def bundle_of(assignment: Assignment) -> Bundle:
    """The bundle of `assignment`, read from its course folder."""
    return Bundle(assignment.name, {path.relative_to(assignment.root).as_posix(): path.read_text("utf-8")
                                    for path in grading_files(assignment)})


def unpack(bundle: Bundle, parent: str | os.PathLike | None = None) -> Assignment:
    """The bundle written as a course of one assignment in a new folder (mode 0700) under `parent`, loaded
    from there; the caller removes `assignment.course_root` when done."""
    course = Path(tempfile.mkdtemp(prefix="autograder-course-", dir=parent))
    root = course / "assignments" / bundle.name
    for name, text in bundle.files.items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"{name}: not a path inside the assignment's folder")
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return load_assignment(root, course)
