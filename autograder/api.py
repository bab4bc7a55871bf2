"""The Python API: one function per command of the `autograder` CLI (which only parses, calls and prints).

    from autograder import api
    result = api.check("hw2", Path("backprop.py"))                    # a student's self-test
    batch, imported = api.grade("hw2", Path("submissions"), Path("grades"))
    api.export("canvas", Path("grades"), Path("roster.csv"), Path("canvas.csv"))

Grading one submission is `grading.one.grade_one`; a class, `grade_batch` here (grading, then the reports,
while the output folder is held). The reports, gradebooks, authoring and mutation modules (pandas, nbformat)
are imported by the functions that use them, so that `autograder check` starts in a fraction of a second.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Callable, Mapping

from autograder.core.course import get_assignment, list_assignments
from autograder.core.errors import AutograderError
from autograder.core.outfolder import atomic_write, hold
from autograder.core.results import SubmissionResult
from autograder.grading.batch import BatchResult, GradeOptions, check_out_dir, claim, grade_prepared, prepare_all
from autograder.grading.collect import HIDDEN, PUBLIC, collect
from autograder.grading.one import grade_one, sandbox_for
from autograder.grading.protocol import InProcess
from autograder.grading.submissions import EntryNotes, read_entry
from autograder.isolation.sandbox import Limits

__all__ = ["check", "export", "grade", "grade_batch", "grade_download", "gradescope_zip", "leaks", "limits_for",
           "list_assignments", "merge_manual", "mutate", "release", "stale"]


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


def limits_for(timeout: float = 10.0, total_timeout: float = 60.0, memory_mb: int = 1024) -> Limits:
    """A submission's limits from the command line's three: per call, per submission, memory."""
    total = max(total_timeout, timeout)
    return Limits(call_timeout_s=timeout, submission_timeout_s=total, cpu_s=int(total) + 1, memory_mb=memory_mb)


def grade(name: str, submissions: Path, out_dir: Path, *, roster: Path | None = None, jobs: int = 2,
          timeout: float = 10.0, total_timeout: float = 60.0, memory_mb: int = 1024, replace: bool = False,
          allow_partial: bool = False, cluster: str | None = None, on_start: Callable | None = None,
          on_result: Callable | None = None):
    """`autograder grade`: a folder of submissions, or a Canvas or Moodle download with its roster, into
    `out_dir`; on this machine, or on the Dask cluster `cluster` names (`local:N`, `tcp://HOST:PORT`; see
    `autograder.cluster`). Returns (the batch, the download's import or None)."""
    where = None
    if cluster is not None:
        from autograder.cluster import cluster_for  # noqa: PLC0415 (Dask: an optional extra)

        where = cluster_for(cluster)
    options = GradeOptions(jobs=jobs, limits=limits_for(timeout, total_timeout, memory_mb), replace=replace,
                           allow_partial=allow_partial, cluster=where)
    if submissions.suffix.lower() == ".zip":  # a platform download (gradebooks.downloads)
        if roster is None:
            raise AutograderError(f"{submissions}: a Canvas or Moodle download needs --roster to name its students")
        return grade_download(name, submissions, out_dir, roster, options, on_start=on_start, on_result=on_result)
    if roster is not None:
        raise AutograderError("--roster is for a Canvas or Moodle download (.zip); a folder's entries "
                              "are named by student id already")
    return grade_batch(name, submissions, out_dir, options, on_start=on_start, on_result=on_result), None


def grade_batch(name: str, submissions: Path, out_dir: Path, options: GradeOptions | None = None, *,
                on_result: Callable[[SubmissionResult], None] | None = None,
                on_start: Callable[[int, int], None] | None = None,
                entry_notes: Mapping[str, EntryNotes] | None = None,
                extra_files: Mapping[str, str] | None = None, **option_values) -> BatchResult:
    """Grade every submission in `submissions` into `out_dir` and write the reports, holding `out_dir` for the
    whole run (`extra_files`, written there too, by name). `options` (or its fields as keywords: jobs, limits,
    isolate, allow_partial, replace, scheduler, cluster); `entry_notes`: what a download's import learnt of entries."""
    start = time.perf_counter()
    from autograder.reports.write import write_outputs  # noqa: PLC0415 (pandas: not for `check`)

    options = options or GradeOptions(**option_values)
    assignment = get_assignment(name)
    prepared = prepare_all(assignment, submissions, entry_notes)
    check_out_dir(out_dir, submissions, [p.student_id for p in prepared])
    with hold(out_dir):
        claim(out_dir, assignment)
        graded = grade_prepared(assignment, prepared, out_dir, options, on_result, on_start)
        files, tidy = write_outputs(assignment, graded.results, out_dir, graded.warning)
        for file_name, text in (extra_files or {}).items():
            atomic_write(out_dir / file_name, text)
    return BatchResult(assignment, graded.results, out_dir, graded.reused, round(time.perf_counter() - start, 3),
                       graded.warning, files, graded.notes + tidy, kept=graded.kept, dropped=graded.dropped)


def grade_download(name: str, zip_path: Path, out_dir: Path, roster_path: Path,
                   options: GradeOptions | None = None, **grade_options):
    """Grade a Canvas or Moodle download into `out_dir`; returns (batch, imported). Students the roster does
    not know are graded under `unmatched-<platform>-<id>` and reported (`export` lists them)."""
    from autograder.gradebooks import downloads  # noqa: PLC0415 (as for reports.write)
    from autograder.gradebooks.roster import load_roster  # noqa: PLC0415

    imported = downloads.read_download(zip_path, load_roster(roster_path))
    downloads.check_ids(imported)
    notes = {e.student_id: EntryNotes(tuple(e.notes), e.problem) for e in imported.entries.values()
             if e.notes or e.problem}
    with tempfile.TemporaryDirectory(prefix="ag-download-") as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        downloads.unpack(imported, folder)
        batch = grade_batch(name, folder, out_dir, options, entry_notes=notes,
                            extra_files=downloads.record_files(imported, zip_path), **grade_options)
    return batch, imported


def merge_manual(review: Path, out_dir: Path) -> Path:
    """`autograder merge-manual`: the written answers' scores into OUT/final_grades.csv."""
    from autograder.reports.review import merge_manual as merge  # noqa: PLC0415 (pandas)

    return merge(review, out_dir)


def export(platform: str, grades_dir: Path, roster: Path, out_path: Path, **options):
    """`autograder export`: a gradebook file for `platform` (see `gradebooks.export.export` for the options);
    its `ExportResult`."""
    from autograder.gradebooks import export as exports  # noqa: PLC0415 (pandas)

    return exports.export(platform, grades_dir, roster, out_path, **options)


def gradescope_zip(name: str, out_path: Path, hidden_visibility: str = "after_published"):
    """`autograder gradescope`: an assignment's autograder zip for Gradescope, never with its reference
    (a `gradebooks.gradescope.Bundle`)."""
    from autograder.gradebooks import gradescope  # noqa: PLC0415

    return gradescope.build_autograder_zip(name, out_path, hidden_visibility=hidden_visibility)


def mutate(name: str, max_mutants: int | None = None, timeout_s: float = 20.0, jobs: int = 2):
    """`autograder mutate`: how strong an assignment's tests are, by the mutants of its reference they miss
    (a `mutation.MutationReport`)."""
    from autograder.mutation import run_mutation  # noqa: PLC0415

    return run_mutation(get_assignment(name), max_mutants, timeout_s, jobs)


def release(name: str) -> list[Path]:
    """Regenerate the student files (template, notebooks, answers sheet, oracle values) from the reference."""
    from autograder.authoring.release import write_release  # noqa: PLC0415 (nbformat)

    return write_release(get_assignment(name))


def stale(name: str) -> list[Path]:
    """Generated files that no longer match the reference."""
    from autograder.authoring.release import stale_files  # noqa: PLC0415

    return stale_files(get_assignment(name))


def leaks(name: str) -> list:
    """Arguments the tests send to the student's code that equal a value they check (`release --check`)."""
    from autograder.authoring.release import leaked_arguments  # noqa: PLC0415

    return leaked_arguments(get_assignment(name))
