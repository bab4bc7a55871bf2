"""The Python API: one function per command of the `autograder` CLI (which only parses, calls and prints).

    from autograder import api
    result = api.check("hw2", Path("backprop.py"))                    # a student's self-test
    batch, imported = api.grade("hw2", Path("submissions"), Path("grades"))
    api.export("canvas", Path("grades"), Path("roster.csv"), Path("canvas.csv"))
    found = api.similarity("hw2", Path("submissions"), Path("grades"))   # pairs of similar code

Grading one submission is `grading.one.grade_one`; a class, `grade_batch` here (grading, then the reports,
while the output folder is held). The reports, gradebooks, authoring and mutation modules (pandas, nbformat)
are imported by the functions that use them, so that `autograder check` starts in a fraction of a second.
"""
from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator, Mapping

from autograder import __version__
from autograder.core.course import get_assignment, list_assignments
from autograder.core.errors import AutograderError
from autograder.core.outfolder import atomic_write, hold
from autograder.core.results import SubmissionResult
from autograder.core.status import Status
from autograder.grading.batch import (
    BatchResult,
    GradeOptions,
    check_out_dir,
    claim,
    grade_prepared,
    prepare_all,
    refuse_other,
)
from autograder.grading.collect import HIDDEN, PUBLIC, collect
from autograder.grading.one import grade_one, sandbox_for
from autograder.grading.protocol import InProcess
from autograder.grading.submissions import EntryNotes, read_entry
from autograder.grading.wrongfolder import refuse_other_assignment
from autograder.isolation.sandbox import Limits

__all__ = ["bundle", "bundle_zip", "check", "export", "grade", "grade_batch", "grade_download", "gradescope_zip", "leaks",
           "limits_for", "list_assignments", "merge_manual", "mutate", "release", "similarity", "stale"]


def check(name: str, path: Path, hidden: bool = False, isolated: bool = True) -> SubmissionResult:
    """A student's self-test: the public tests (and the hidden ones for authors) against `path`.

    Work that cannot be read as a submission (no file of the assignment's there, two versions of it, a file
    that is not text) is an `AutograderError`: nothing was tested, and the message says what to do."""
    assignment = get_assignment(name)
    specs = collect(assignment, (PUBLIC, HIDDEN) if hidden else (PUBLIC,))
    if hidden and not any(spec.visibility == HIDDEN for spec in specs):
        raise AutograderError(f"{name} has no hidden tests here: a student's bundle holds the public tests only "
                              f"(run `autograder check {name}` without --hidden)")
    prepared = read_entry(assignment, path.name if path.is_dir() else path.stem, path)
    if prepared.status == Status.INVALID:
        hint = f"\n(or name the one file to check: autograder check {name} FILE)" if path.is_dir() else ""
        raise AutograderError(f"{path}: {prepared.message}{hint}")
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
          allow_partial: bool = False, similarity: bool = False, cluster: str | None = None,
          on_start: Callable | None = None,
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
    if is_download(submissions, roster):
        return grade_download(name, submissions, out_dir, roster, options, on_start=on_start, on_result=on_result,
                              similarity=similarity)
    return grade_batch(name, submissions, out_dir, options, on_start=on_start, on_result=on_result,
                       similarity=similarity), None


def is_download(submissions: Path, roster: Path | None) -> bool:
    """Whether SUBMISSIONS is a Canvas or Moodle download (a .zip, which needs the roster) rather than a folder
    of entries named by student id (which takes none); a usage error for a wrong pairing."""
    if submissions.suffix.lower() == ".zip":  # a platform download (gradebooks.downloads)
        if roster is None:
            raise AutograderError(f"{submissions}: a Canvas or Moodle download needs --roster to name its students")
        return True
    if roster is not None:
        raise AutograderError("--roster is for a Canvas or Moodle download (.zip); a folder's entries "
                              "are named by student id already")
    return False


def grade_batch(name: str, submissions: Path, out_dir: Path, options: GradeOptions | None = None, *,
                on_result: Callable[[SubmissionResult], None] | None = None,
                on_start: Callable[[int, int], None] | None = None,
                entry_notes: Mapping[str, EntryNotes] | None = None,
                extra_files: Mapping[str, str] | None = None, shown_as: str | None = None,
                similarity: bool = False, **option_values) -> BatchResult:
    """Grade every submission in `submissions` into `out_dir` and write the reports, holding `out_dir` for the
    whole run (`extra_files`, written there too, by name). `options` (or its fields as keywords: jobs, limits,
    isolate, allow_partial, replace, scheduler, cluster); `entry_notes`: what a download's import learnt of entries;
    `shown_as`: how the command line named the submissions, for messages (a download's zip and roster);
    `similarity`: also compare the submissions pairwise (similarity.csv, similarity.html, a section of report.html).
    A folder of another assignment's work is a usage error before `out_dir` is touched."""
    start = time.perf_counter()
    from autograder.reports.html import RunInfo  # noqa: PLC0415 (pandas: not for `check`)
    from autograder.reports.write import write_outputs  # noqa: PLC0415

    options = options or GradeOptions(**option_values)
    compare, write = _similarity_modules() if similarity else (None, None)  # copydetect missing: before grading
    assignment = get_assignment(name)
    prepared = prepare_all(assignment, submissions, entry_notes)
    refuse_other_assignment(assignment, prepared, shown_as or submissions, out_dir)
    check_out_dir(out_dir, submissions, [p.student_id for p in prepared])
    with hold(out_dir):
        claim(out_dir, assignment)
        graded = grade_prepared(assignment, prepared, out_dir, options, on_result, on_start)
        run = RunInfo.now(version=__version__, limits=options.limits, graded_now=len(prepared) - graded.reused,
                          unchanged=graded.reused, warning=graded.warning, notes=graded.notes)
        similar = {}
        if similarity:
            similar, run = _similarity_of(assignment, prepared, out_dir, compare, write, run)
        files, tidy, written = write_outputs(assignment, graded.results, out_dir, run)
        files.update(similar)
        for file_name, text in (extra_files or {}).items():
            atomic_write(out_dir / file_name, text)
    return BatchResult(assignment, graded.results, out_dir, graded.reused, round(time.perf_counter() - start, 3),
                       graded.warning, files, graded.notes + tidy, kept=graded.kept, dropped=graded.dropped,
                       written=written)


def grade_download(name: str, zip_path: Path, out_dir: Path, roster_path: Path,
                   options: GradeOptions | None = None, **grade_options):
    """Grade a Canvas or Moodle download into `out_dir`; returns (batch, imported). Students the roster does
    not know are graded under `unmatched-<platform>-<id>` and reported (`export` lists them)."""
    from autograder.gradebooks import downloads  # noqa: PLC0415 (as for reports.write)

    with unpacked_download(zip_path, roster_path) as (folder, notes, imported):
        batch = grade_batch(name, folder, out_dir, options, entry_notes=notes,
                            extra_files=downloads.record_files(imported, zip_path),
                            shown_as=f"{zip_path} --roster {roster_path}", **grade_options)
    return batch, imported


@contextlib.contextmanager
def unpacked_download(zip_path: Path, roster_path: Path) -> Iterator[tuple[Path, dict[str, EntryNotes], object]]:
    """A Canvas or Moodle download unpacked into a temporary folder of entries, one per student, while the block
    runs: (that folder, what the import learnt of entries, the `downloads` import itself)."""
    from autograder.gradebooks import downloads  # noqa: PLC0415
    from autograder.gradebooks.roster import load_roster  # noqa: PLC0415

    imported = downloads.read_download(zip_path, load_roster(roster_path))
    downloads.check_ids(imported)
    notes = {e.student_id: EntryNotes(tuple(e.notes), e.problem) for e in imported.entries.values()
             if e.notes or e.problem}
    with tempfile.TemporaryDirectory(prefix="ag-download-") as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        downloads.unpack(imported, folder)
        yield folder, notes, imported


def similarity(name: str, submissions: Path, out_dir: Path, *, roster: Path | None = None,
               threshold: float = 0.6, most: int = 50):
    """`autograder similarity`: every pair of a class's submissions compared, into OUT/similarity.csv and
    OUT/similarity.html (a `reports.similarity.SimilarityResult`). SUBMISSIONS is what `grade` takes, read as
    `grade` reads it (never run); the template every student was given is left out."""
    if not 0 < threshold <= 1:
        raise AutograderError(f"--threshold {threshold} is not a share between 0 and 1 (0.6: 60% of the code)")
    compare, write = _similarity_modules()
    assignment = get_assignment(name)
    check_out_dir(out_dir, submissions, [])
    if is_download(submissions, roster):
        with unpacked_download(submissions, roster) as (folder, notes, _):
            prepared = prepare_all(assignment, folder, notes)
    else:
        prepared = prepare_all(assignment, submissions)
    result = _compared(assignment, prepared, compare, threshold, most)
    with hold(out_dir):
        refuse_other(out_dir, assignment)
        return dataclasses.replace(result, files=write(result, out_dir))


def _compared(assignment, prepared, compare, *bounds):
    """`compare_class` on the prepared entries, the template left out; `bounds` (threshold, most) or its defaults."""
    from autograder.authoring.boilerplate import starting_code  # noqa: PLC0415 (nbformat)

    return compare(assignment.name, assignment.title, prepared, starting_code(assignment), *bounds)


def _similarity_of(assignment, prepared, out_dir: Path, compare, write, run):
    """`grade --similarity`: similarity.csv and similarity.html written, and report.html's section in `run`."""
    from autograder.reports.similarity_html import HTML_FILE, similarity_section  # noqa: PLC0415

    result = _compared(assignment, prepared, compare)
    section = similarity_section(result.pairs, result.threshold, result.views, page=HTML_FILE)
    return {f"similarity_{kind}": path for kind, path in write(result, out_dir).items()}, run._replace(similarity=section)


def _similarity_modules():
    """(compare_class, write_similarity); a usage error naming the extra to install when copydetect is missing."""
    try:
        from autograder.reports.similarity import compare_class  # noqa: PLC0415 (copydetect, pandas)
        from autograder.reports.similarity_html import write_similarity  # noqa: PLC0415
    except ModuleNotFoundError as exc:
        if exc.name != "copydetect":
            raise
        raise AutograderError("similarity needs copydetect: pip install 'backprop-autograder[similarity]' "
                              "(or `make setup`)") from None
    return compare_class, write_similarity


def merge_manual(review: Path, out_dir: Path, auto_zero: bool = True):
    """`autograder merge-manual`: the written answers' scores into OUT/final_grades.csv and every student's
    feedback (an empty answer left unscored gets 0, unless not `auto_zero`); a `reports.merge.Merged`."""
    from autograder.reports.merge import merge_manual as merge  # noqa: PLC0415 (pandas)

    return merge(review, out_dir, auto_zero)


def export(platform: str, grades_dir: Path, roster: Path, out_path: Path, **options):
    """`autograder export`: a gradebook file for `platform` (see `gradebooks.export.export` for the options);
    its `ExportResult`. A final_grades.csv older than grades.csv is merged again first when no score merged
    before would change (said in the result's warnings), else the export is refused with the command to run."""
    from autograder.gradebooks import export as exports  # noqa: PLC0415 (pandas)
    from autograder.reports.merge import FINAL_FILE, merge_again  # noqa: PLC0415

    note = merge_again(Path(grades_dir)) if (Path(grades_dir) / FINAL_FILE).is_file() else ""
    result = exports.export(platform, grades_dir, roster, out_path, **options)
    if note:
        result.warnings.insert(0, note)
    return result


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


def bundle(name: str, out: Path) -> list[str]:
    """`autograder bundle`: what a student gets for an assignment (its stubs, notebook and public tests, never the
    hidden tests or the reference), as a folder or a zip; returns the bundle's files."""
    from autograder.authoring.bundle import write_bundle  # noqa: PLC0415

    return write_bundle(get_assignment(name), out)


def bundle_zip(name: str) -> bytes:
    """The same bundle as a zip's bytes (`<name>-bundle/...`), for a download."""
    from autograder.authoring.bundle import bundle_zip as zipped  # noqa: PLC0415

    return zipped(get_assignment(name))


def release(name: str) -> list[Path]:
    """Regenerate the student files (template, notebooks, answers sheet, oracle values) from the reference, then
    the named mistakes' answers that diagnoses compare with (`hidden/mistakes.json`, with a `mistakes.toml`)."""
    from autograder.authoring.release import write_release  # noqa: PLC0415 (nbformat)
    from autograder.mutation.diagnoses import write_store  # noqa: PLC0415

    assignment = get_assignment(name)
    return write_release(assignment) + write_store(assignment)


def stale(name: str) -> list[Path]:
    """Generated files that no longer match the reference (the named mistakes' answers recorded again to compare)."""
    from autograder.authoring.release import stale_files  # noqa: PLC0415
    from autograder.mutation.diagnoses import stale_store  # noqa: PLC0415

    assignment = get_assignment(name)
    return stale_files(assignment) + stale_store(assignment)


def leaks(name: str) -> list:
    """Arguments the tests send to the student's code that equal a value they check (`release --check`)."""
    from autograder.authoring.release import leaked_arguments  # noqa: PLC0415

    return leaked_arguments(get_assignment(name))
