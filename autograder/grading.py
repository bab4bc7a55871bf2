"""Grade a whole class: discover, grade what is new, keep every result, write the report.

Each finished submission is saved at once (atomically) under
`OUT/.results/`, keyed by the content of the submission and of the tests,
so an interrupted run picks up where it stopped and a changed submission
is graded again.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .collect import TestSpec, collect
from .course import Assignment, get_assignment
from .errors import AutograderError
from .oracles import STORE, unstored
from .planning import record_plan
from .runner import SubmissionResult, TestOutcome
from .sandbox import Limits, Sandbox
from .scheduling import LocalScheduler, Scheduler
from .submissions import Prepared, discover, read_entry

RESULTS_DIR = ".results"
NOT_GRADED = ("invalid", "load_error", "grader_error", "timeout", "crashed", "forbidden_import")


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

    @property
    def not_graded(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.status in NOT_GRADED]


def atomic_write(path: Path, data: str | bytes, durable: bool = True) -> None:
    """Write `path` so that a reader sees the old file or the new one, never half of one.

    `durable=False` skips the fsync: for files that every run rewrites from the saved results."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
        if durable:
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)


def tests_key(assignment: Assignment) -> str:
    """Changes whenever the tests, their points, the probes or the oracles' values change: cached results are then stale."""
    h = hashlib.sha256()
    paths = [assignment.root / "assignment.toml", assignment.probes_path,
             *sorted(assignment.public_dir.glob("test_*.py")), *sorted(assignment.hidden_dir.glob("test_*.py")),
             assignment.public_dir / STORE, assignment.hidden_dir / STORE]
    for path in paths:
        if path.is_file():
            h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


def result_to_dict(result: SubmissionResult, key: str) -> dict:
    return {**dataclasses.asdict(result), "tests_key": key}


def result_from_dict(data: dict) -> SubmissionResult:
    outcomes = tuple(TestOutcome(**o) for o in data["outcomes"])
    fields = {f.name for f in dataclasses.fields(SubmissionResult)}
    return SubmissionResult(**{**{k: v for k, v in data.items() if k in fields}, "outcomes": outcomes})


def _cached(path: Path, digest: str, key: str) -> SubmissionResult | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("digest") == digest and data.get("tests_key") == key:
            return result_from_dict(data)
    except (OSError, ValueError, TypeError, KeyError):
        pass  # unreadable or from another version: grade again
    return None


def prepare_all(assignment: Assignment, submissions: Path) -> list[Prepared]:
    """Every entry of the folder, read and checked; usage errors raise before anything runs."""
    return [read_entry(assignment, sid, path) for sid, path in discover(assignment, submissions)]


def grade_batch(assignment_name: str, submissions: Path, out_dir: Path, *, jobs: int = 2,
                limits: Limits = Limits(), isolate: bool | None = None, allow_partial: bool = False,
                scheduler: Scheduler | None = None, on_result: Callable[[SubmissionResult], None] | None = None,
                on_start: Callable[[int, int], None] | None = None) -> BatchResult:
    """Grade every submission in `submissions` into `out_dir`; returns the results, sorted by student id.

    Refuses (`AutograderError`, before anything runs) where the machine allows only partial isolation,
    unless `allow_partial` (trusted code) or `isolate=False`; see `sandbox.Sandbox`."""
    start = time.perf_counter()
    assignment = get_assignment(assignment_name)
    prepared = prepare_all(assignment, submissions)
    scheduler = scheduler or LocalScheduler(jobs)
    # The zygote warms up (imports torch, about 2 s) while the tests are collected here (the grader
    # imports torch too): both at once on two cores. If nothing turns out to need grading, it is killed.
    sandbox = Sandbox(limits, jobs=scheduler.jobs, isolate=isolate, allow_partial=allow_partial,
                      course_root=assignment.course_root,
                      preload=("matplotlib.pyplot",) if any(p.cells is not None for p in prepared) else (),
                      torch="torch" not in assignment.forbid_imports)
    if any(p.status == "ok" for p in prepared):
        sandbox.launch()
    try:
        specs: list[TestSpec] = collect(assignment)
        notes = tuple(f"{path.relative_to(assignment.root)} changed since its oracle values were stored: they are "
                      f"computed in this run (slower); `autograder release {assignment.name}` stores them again"
                      for path in unstored(assignment.root))
        _check_out_dir(out_dir, submissions, assignment)
        key = tests_key(assignment)
        cache_dir = out_dir / RESULTS_DIR
        done, todo = {}, []
        for p in prepared:
            cached = _cached(cache_dir / f"{p.student_id}.json", p.digest, key)
            if cached is not None:
                done[p.student_id] = cached
            else:
                todo.append(p)
        if on_start:
            on_start(len(todo), len(done))
        warning = ""
        if todo:
            # The tests' calls that depend on no answer, sent ahead to each submission in one message.
            plan = record_plan(assignment, specs) if any(p.status == "ok" for p in todo) else None
            with sandbox:
                warning = sandbox.warning
                notes += (f"isolation: {sandbox.label}", *sandbox.notes)

                def grade_one(slot: int, item: Prepared) -> SubmissionResult:
                    return sandbox.grade(assignment, specs, item, slot, plan)

                for result in scheduler.map(grade_one, todo):
                    atomic_write(cache_dir / f"{result.student_id}.json", json.dumps(result_to_dict(result, key)))
                    done[result.student_id] = result
                    if on_result:
                        on_result(result)
    finally:
        sandbox.close()  # safe twice
    warning = _remember_warning(cache_dir, warning, graded_now=bool(todo))
    results = [done[p.student_id] for p in prepared]
    from .outputs import write_outputs  # noqa: PLC0415 (rendering imports matplotlib: only when needed)

    files = write_outputs(assignment, results, out_dir, warning)
    return BatchResult(assignment, results, out_dir, len(prepared) - len(todo),
                       round(time.perf_counter() - start, 3), warning, files, notes)


def _remember_warning(cache_dir: Path, warning: str, graded_now: bool) -> str:
    """The isolation warning of the runs behind this report: kept beside the results, so a resumed run still says it."""
    path = cache_dir / "isolation_warning"
    if graded_now and warning:
        previous = path.read_text("utf-8") if path.is_file() else ""
        atomic_write(path, warning if warning in previous else (previous + "\n" + warning).strip())
    return path.read_text("utf-8").strip() if path.is_file() else ""


def _check_out_dir(out_dir: Path, submissions: Path, assignment: Assignment) -> None:
    out, subs = out_dir.resolve(), submissions.resolve()
    if out == subs or subs in out.parents:
        raise AutograderError(f"--out {out_dir} is inside the submissions folder; choose a folder outside it")
    if out.exists() and not out.is_dir():
        raise AutograderError(f"--out {out_dir} exists and is not a folder")
    marker = out / RESULTS_DIR / "assignment"
    if marker.is_file() and marker.read_text("utf-8").strip() != assignment.name:
        other = marker.read_text("utf-8").strip()
        raise AutograderError(f"--out {out_dir} holds grades of {other}, not {assignment.name}; use another folder")
    atomic_write(marker, assignment.name + "\n")
