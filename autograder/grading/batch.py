"""Grade a whole class: discover, grade what is new, keep every result (writing the report is `reports.write`'s;
`api.grade_batch` does both, holding OUT).

Each finished submission is saved at once (atomically) under
`OUT/.results/`, keyed by the content of the submission and of the tests,
so an interrupted run picks up where it stopped and a changed submission
is graded again. OUT belongs to the grader (`outfolder`): one run at a
time, no link followed, and the rows of students graded into it from
another folder are kept unless the run says `replace`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from autograder.core.course import Assignment
from autograder.core.errors import AutograderError
from autograder.core.outfolder import (
    MARKER,
    RESULTS_DIR,
    WARNING_FILE,
    atomic_write,
    grader_paths,
    read_marker,
    refuse_links,
)
from autograder.core.results import SubmissionResult, WrittenCount
from autograder.grading.collect import TestSpec, collect
from autograder.grading.diagnosis import store_path
from autograder.grading.oracles import STORE, unstored
from autograder.grading.planning import record_plan
from autograder.grading.scheduling import Cluster, Graders, LocalGraders, LocalScheduler, Sandboxing, Scheduler
from autograder.grading.store import drop_saved, earlier_results, load_saved, result_to_json
from autograder.grading.submissions import EntryNotes, Prepared, discover, read_entry
from autograder.isolation.sandbox import Limits


@dataclass(frozen=True)
class BatchResult:
    """What a batch run produced."""

    assignment: Assignment
    results: list[SubmissionResult]
    out_dir: Path
    reused: int
    seconds: float
    isolation_warning: str = ""
    files: dict[str, Path] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # for the instructor: things that cost time, not grades
    kept: int = 0  # rows of earlier runs kept: students not in this folder
    dropped: tuple[str, ...] = ()  # their ids, when the run replaced them instead
    written: WrittenCount | None = None  # how far the scoring of written answers has come (None: no questions)

    @property
    def not_graded(self) -> list[SubmissionResult]:
        return [r for r in self.results if not r.graded]


@dataclass(frozen=True)
class GradeOptions:
    """How a class is graded: slots at once, each submission's limits, isolation (see `sandbox.Sandbox`:
    `allow_partial` for trusted code), whether the rows of students not in this folder are dropped, and where:
    this machine (`jobs` slots, or `scheduler`'s), or a `cluster`'s workers (`autograder.cluster`)."""

    jobs: int = 2
    limits: Limits = Limits()
    isolate: bool | None = None
    allow_partial: bool = False
    replace: bool = False
    scheduler: Scheduler | None = None
    cluster: Cluster | None = None


@dataclass(frozen=True)
class Graded:
    """What grading a class gave, before any report is written."""

    results: list[SubmissionResult]  # every row of the report, sorted by student id (kept rows included)
    reused: int
    warning: str
    notes: tuple[str, ...]
    kept: int
    dropped: tuple[str, ...]


def grading_files(assignment: Assignment) -> list[Path]:
    """The files of the assignment that grading reads (the plan aside, which runs the reference): its metadata,
    probes, tests, stored oracle values and the named mistakes' answers (their diagnoses). What a cluster's
    workers receive; what `tests_key` hashes."""
    paths = [assignment.root / "assignment.toml", assignment.probes_path,
             *sorted(assignment.public_dir.glob("test_*.py")), *sorted(assignment.hidden_dir.glob("test_*.py")),
             assignment.public_dir / STORE, assignment.hidden_dir / STORE, store_path(assignment)]
    return [path for path in paths if path.is_file()]


def tests_key(assignment: Assignment) -> str:
    """Changes whenever the files grading reads change (`grading_files`): cached results are then stale."""
    h = hashlib.sha256()
    for path in grading_files(assignment):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


def prepare_all(assignment: Assignment, submissions: Path,
                entry_notes: Mapping[str, EntryNotes] | None = None) -> list[Prepared]:
    """Every entry of the folder, read and checked; usage errors raise before anything runs."""
    notes = entry_notes or {}
    return [read_entry(assignment, sid, path, notes.get(sid, EntryNotes()))
            for sid, path in discover(assignment, submissions)]


def grade_prepared(assignment: Assignment, prepared: list[Prepared], out_dir: Path, options: GradeOptions = GradeOptions(),
                   on_result: Callable[[SubmissionResult], None] | None = None,
                   on_start: Callable[[int, int], None] | None = None) -> Graded:
    """Grade what is new among `prepared` into OUT/.results (held and claimed by the caller: `api.grade_batch`),
    and gather every row of the report: this folder's, and those OUT held of other students (`replace`: dropped).

    Refuses (`AutograderError`, before anything runs) where the machine allows only partial isolation,
    unless `allow_partial` or `isolate=False`; on a cluster, where any worker's host does."""
    key, cache_dir = tests_key(assignment), out_dir / RESULTS_DIR
    done = {p.student_id: r for p in prepared if (r := load_saved(cache_dir, assignment, key, p.student_id, p.digest))}
    todo = [p for p in prepared if p.student_id not in done]
    graders = _graders(assignment, todo, options)
    # The zygote (or the cluster's workers) warm up (torch: about 2 s) while the tests are collected and the
    # plan recorded here (the grader imports torch too): both at once on two cores.
    if any(p.ok for p in todo):
        graders.launch()
    try:
        specs: list[TestSpec] = collect(assignment)
        notes = tuple(f"{path.relative_to(assignment.root)} changed since its oracle values were stored: they are "
                      f"computed in this run (slower); `autograder release {assignment.name}` stores them again"
                      for path in unstored(assignment.root))
        if on_start:
            on_start(len(todo), len(done))
        warning = ""
        if todo:
            # The tests' calls that depend on no answer, sent ahead to each submission in one message.
            plan = record_plan(assignment, specs) if any(p.ok for p in todo) else None
            with graders:
                for result in graders.grade(specs, plan, todo):
                    atomic_write(cache_dir / f"{result.student_id}.json", result_to_json(result, key))
                    done[result.student_id] = result
                    if on_result:
                        on_result(result)
                warning, notes = graders.warning, notes + graders.notes
    finally:
        graders.close()  # safe twice
    warning = _remember_warning(out_dir, warning, graded_now=bool(todo))
    kept, dropped, left_out = _earlier(cache_dir, assignment, key, {p.student_id for p in prepared}, options.replace)
    results = sorted([done[p.student_id] for p in prepared] + kept, key=lambda r: r.student_id)
    return Graded(results, len(prepared) - len(todo), warning, notes + left_out, len(kept), dropped)


def _graders(assignment: Assignment, todo: list[Prepared], options: GradeOptions) -> Graders:
    """Where this run grades `todo`: the options' cluster, else one sandbox here with `jobs` slots (or `scheduler`'s)."""
    sandboxing = Sandboxing(options.limits, options.isolate, options.allow_partial,
                            notebooks=any(p.cells is not None for p in todo))
    if options.cluster is not None:
        return options.cluster.graders(assignment, sandboxing)
    return LocalGraders(assignment, sandboxing, options.scheduler or LocalScheduler(options.jobs))


def _earlier(cache_dir: Path, assignment: Assignment, key: str, here: set[str],
             replace: bool) -> tuple[list[SubmissionResult], tuple[str, ...], tuple[str, ...]]:
    """The saved rows of students not in this folder: (kept, dropped ids, notes). `replace` drops them all,
    saved results included; a result that cannot be used (other tests, malformed) is left out and said."""
    usable, unusable = earlier_results(cache_dir, assignment, key, here)
    if replace:
        dropped = sorted([r.student_id for r in usable] + unusable)
        drop_saved(cache_dir, dropped)
        return [], tuple(dropped), ()
    notes = ()
    if unusable:
        notes = (f"{len(unusable)} earlier result(s) could not be used (graded with other tests, or malformed) and "
                 f"are left out: {', '.join(unusable[:20])}{' ...' if len(unusable) > 20 else ''}; grade their "
                 f"submissions again",)
    return usable, (), notes


def _remember_warning(out_dir: Path, warning: str, graded_now: bool) -> str:
    """The isolation warning of the runs behind this report: kept beside the results, so a resumed run still says it."""
    previous = read_marker(out_dir, WARNING_FILE)
    if graded_now and warning and warning not in previous:
        previous = (previous + "\n" + warning).strip()
        atomic_write(out_dir / RESULTS_DIR / WARNING_FILE, previous)
    return previous


def check_out_dir(out_dir: Path, submissions: Path, student_ids: list[str]) -> None:
    """Usage errors before anything is created: OUT inside the submissions, not a folder, or holding a link."""
    out, subs = out_dir.resolve(), submissions.resolve()
    if out == subs or subs in out.parents:
        raise AutograderError(f"--out {out_dir} is inside the submissions folder; choose a folder outside it")
    if out.exists() and not out.is_dir():
        raise AutograderError(f"--out {out_dir} exists and is not a folder")
    refuse_links(grader_paths(out_dir, student_ids))


def refuse_other(out_dir: Path, assignment: Assignment) -> None:
    """A usage error when OUT holds the grades of another assignment than this one."""
    other = read_marker(out_dir, MARKER)
    if other and other != assignment.name:
        raise AutograderError(f"--out {out_dir} holds grades of {other}, not {assignment.name}; use another folder")


def claim(out_dir: Path, assignment: Assignment) -> None:
    """OUT holds this assignment's grades from now on; refused when it holds another's."""
    refuse_other(out_dir, assignment)
    atomic_write(out_dir / RESULTS_DIR / MARKER, assignment.name + "\n")
