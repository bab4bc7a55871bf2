"""The Python API behind the CLI: list, check, release, grade one submission."""
from __future__ import annotations

import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from autograder.isolation.child import CELLS_FILE
from autograder.grading.collect import HIDDEN, PUBLIC, TestSpec, collect
from autograder.core.course import Assignment, get_assignment
from autograder.grading.protocol import InProcessChannel, Submission
from autograder.grading.runner import SubmissionResult, not_run, run_tests
from autograder.authoring.release import stale_files, write_release
from autograder.grading.submissions import Prepared, read_entry


def load_request(assignment: Assignment, prepared: Prepared) -> dict:
    """What the student's process needs to load a submission (no test, no expected value)."""
    request = {"files": list(assignment.files), "probes": assignment.probes_source(),
               "forbid": list(assignment.forbid_imports)}
    if prepared.cells is not None:  # the cells themselves are a file beside the submission's (see `child`)
        request["cells_file"] = CELLS_FILE
    return request


def finish(result: SubmissionResult, prepared: Prepared, **changes) -> SubmissionResult:
    """Attach what was learnt before running anything: digest, written answers, notebook notes."""
    extra = dict(result.extra)
    notes = [*prepared.notes, *extra.get("notes", [])]
    if notes:
        extra["notes"] = notes
    if prepared.answers:
        extra["answers"] = dict(prepared.answers)
    return replace(result, digest=prepared.digest, extra=extra, **changes)


def unrunnable(prepared: Prepared, specs: list[TestSpec]) -> SubmissionResult:
    """The row of a submission whose code is never run (invalid entry, forbidden import)."""
    result = SubmissionResult(prepared.student_id, prepared.status, prepared.message,
                              not_run(specs, prepared.message), 0.0)
    return finish(result, prepared)


def run_in_process(assignment: Assignment, specs: list[TestSpec], entry: Prepared,
                   wrap: Callable = lambda channel: channel, run: Callable[[Submission], object] | None = None):
    """Load `entry` in this very process (no isolation) and run `specs` on it: `run(submission)` if given,
    else `run_tests`, whose result is returned. `wrap` may wrap the channel (to record what goes through)."""
    with tempfile.TemporaryDirectory(prefix="ag-inproc-") as tmp:
        for name, text in entry.files.items():
            Path(tmp, name).write_text(text, "utf-8")
        if entry.cells is not None:
            Path(tmp, CELLS_FILE).write_text(json.dumps(list(entry.cells)), "utf-8")
        submission = Submission(wrap(InProcessChannel(Path(tmp), load_request(assignment, entry))), assignment.files)
        return run(submission) if run is not None else run_tests(specs, submission, entry.student_id)


def grade_in_process(assignment: Assignment, specs: list[TestSpec], prepared: Prepared) -> SubmissionResult:
    """Run the tests with the student's module in this very process: the benchmark's floor, never for grading."""
    if prepared.status != "ok":
        return unrunnable(prepared, specs)
    start = time.perf_counter()
    result = run_in_process(assignment, specs, prepared)
    return finish(result, prepared, duration_s=round(time.perf_counter() - start, 6))


def check(name: str, path: Path, hidden: bool = False, isolated: bool = True) -> SubmissionResult:
    """A student's self-test: the public tests (and the hidden ones for authors) against `path`."""
    assignment = get_assignment(name)
    specs = collect(assignment, (PUBLIC, HIDDEN) if hidden else (PUBLIC,))
    prepared = read_entry(assignment, path.name if path.is_dir() else path.stem, path)
    if not isolated:
        return grade_in_process(assignment, specs, prepared)
    from autograder.isolation.sandbox import Sandbox# noqa: PLC0415

    # A student checks their own code on their own machine: the best isolation it allows, never a refusal.
    with Sandbox(preload=("matplotlib.pyplot",) if prepared.cells is not None else (),
                 torch="torch" not in assignment.forbid_imports, allow_partial=True) as sandbox:
        return sandbox.grade(assignment, specs, prepared)


def release(name: str) -> list[Path]:
    """Regenerate the student files (template, notebooks, answers sheet) from the reference."""
    return write_release(get_assignment(name))


def stale(name: str) -> list[Path]:
    """Generated files that no longer match the reference."""
    return stale_files(get_assignment(name))
