"""The Python API behind the CLI: list, check, release, grade one submission."""
from __future__ import annotations

from pathlib import Path

from autograder.authoring.release import leaked_arguments, stale_files, write_release
from autograder.core.course import get_assignment
from autograder.core.results import SubmissionResult
from autograder.grading.collect import HIDDEN, PUBLIC, collect
from autograder.grading.one import grade_one, sandbox_for
from autograder.grading.protocol import InProcess
from autograder.grading.submissions import read_entry


def check(name: str, path: Path, hidden: bool = False, isolated: bool = True) -> SubmissionResult:
    """A student's self-test: the public tests (and the hidden ones for authors) against `path`."""
    assignment = get_assignment(name)
    specs = collect(assignment, (PUBLIC, HIDDEN) if hidden else (PUBLIC,))
    prepared = read_entry(assignment, path.name if path.is_dir() else path.stem, path)
    if not isolated:
        return grade_one(assignment, specs, prepared, InProcess())
    # A student checks their own code on their own machine: the best isolation it allows, never a refusal.
    with sandbox_for(assignment, notebooks=prepared.cells is not None, allow_partial=True) as sandbox:
        return grade_one(assignment, specs, prepared, sandbox)


def release(name: str) -> list[Path]:
    """Regenerate the student files (template, notebooks, answers sheet) from the reference."""
    return write_release(get_assignment(name))


def stale(name: str) -> list[Path]:
    """Generated files that no longer match the reference."""
    return stale_files(get_assignment(name))


def leaks(name: str) -> list:
    """Arguments the tests send to the student's code that equal a value they check."""
    return leaked_arguments(get_assignment(name))
