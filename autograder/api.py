"""The Python API behind the CLI: list, check, release, grade one submission."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .collect import HIDDEN, PUBLIC, TestSpec, collect
from .course import Assignment, get_assignment
from .protocol import InProcessChannel, Submission
from .runner import SubmissionResult, not_run, run_tests
from .stubs import stale_templates, write_templates
from .submissions import Prepared, read_entry


def load_request(assignment: Assignment) -> dict:
    """What the student's process needs to load a submission (no test, no expected value)."""
    return {"files": list(assignment.files), "probes": assignment.probes_source(),
            "forbid": list(assignment.forbid_imports)}


def unrunnable(prepared: Prepared, specs: list[TestSpec]) -> SubmissionResult:
    """The row of a submission whose code is never run (invalid entry, forbidden import)."""
    return SubmissionResult(prepared.student_id, prepared.status, prepared.message,
                            not_run(specs, prepared.message), 0.0, digest=prepared.digest)


def grade_in_process(assignment: Assignment, specs: list[TestSpec], prepared: Prepared) -> SubmissionResult:
    """Run the tests with the student's module in this very process: the benchmark's floor, never for grading."""
    if prepared.status != "ok":
        return unrunnable(prepared, specs)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ag-inproc-") as tmp:
        for name, text in prepared.files.items():
            Path(tmp, name).write_text(text, "utf-8")
        submission = Submission(InProcessChannel(Path(tmp), load_request(assignment)), assignment.files)
        result = run_tests(specs, submission, prepared.student_id)
    return _with(result, digest=prepared.digest, duration_s=round(time.perf_counter() - start, 6))


def _with(result: SubmissionResult, **changes) -> SubmissionResult:
    from dataclasses import replace

    return replace(result, **changes)


def check(name: str, path: Path, hidden: bool = False, isolated: bool = True) -> SubmissionResult:
    """A student's self-test: the public tests (and the hidden ones for authors) against `path`."""
    assignment = get_assignment(name)
    specs = collect(assignment, (PUBLIC, HIDDEN) if hidden else (PUBLIC,))
    prepared = read_entry(assignment, path.name if path.is_dir() else path.stem, path)
    if not isolated:
        return grade_in_process(assignment, specs, prepared)
    from .sandbox import Sandbox  # noqa: PLC0415

    with Sandbox() as sandbox:
        return sandbox.grade(assignment, specs, prepared)


def release(name: str) -> list[Path]:
    """Regenerate the student template of an assignment from its reference."""
    assignment = get_assignment(name)
    return write_templates(assignment.reference_dir, assignment.template_dir, assignment.files)


def stale(name: str) -> list[str]:
    """Template files that no longer match their reference."""
    assignment = get_assignment(name)
    return stale_templates(assignment.reference_dir, assignment.template_dir, assignment.files)
