"""Where submissions are graded: this machine's sandbox on worker threads, or the workers of a cluster.

`batch.grade_prepared` talks to `Graders`: launched early (they warm up while the tests are collected and
the plan recorded), entered when they must be ready (the isolation is then known), they grade a list of
submissions and yield each result as it completes. `LocalGraders` hold one sandbox and a `Scheduler`,
whose threads call `fn(slot, item)`: `slot` numbers the worker thread (0..jobs-1) so that the sandbox can
give each its own unprivileged user. A `Cluster` (`autograder.cluster`) makes `Graders` that ship what
grading needs to other processes or machines; one submission is graded by `one.grade_one` everywhere.
"""
from __future__ import annotations

import queue
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Protocol, TypeVar

from autograder.core.course import Assignment
from autograder.core.results import SubmissionResult
from autograder.grading.collect import TestSpec
from autograder.grading.one import grade_one, sandbox_for
from autograder.grading.submissions import Prepared
from autograder.isolation.sandbox import Limits

T = TypeVar("T")
R = TypeVar("R")


class Scheduler(Protocol):
    jobs: int

    def map(self, fn: Callable[[int, T], R], items: Iterable[T]) -> Iterator[R]: ...


class LocalScheduler:
    """`jobs` threads on this machine; each waits on its own submission process, so threads suffice."""

    def __init__(self, jobs: int = 1):
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        self.jobs = jobs

    def map(self, fn, items):
        slots: queue.SimpleQueue[int] = queue.SimpleQueue()
        for slot in range(self.jobs):
            slots.put(slot)

        def run(item):
            slot = slots.get()
            try:
                return fn(slot, item)
            finally:
                slots.put(slot)

        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="grade")
        try:
            futures = [pool.submit(run, item) for item in items]
            for future in as_completed(futures):
                yield future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class Sandboxing:
    """How each submission is shut in, wherever it runs (see `one.sandbox_for`, `sandbox.Sandbox`)."""

    limits: Limits = Limits()
    isolate: bool | None = None
    allow_partial: bool = False
    notebooks: bool = False  # some submissions are notebooks: their plot cells want matplotlib warm


class Graders(Protocol):
    """Where a class is graded, for one run: launch, enter, grade, close (safe twice)."""

    warning: str  # what a submission could do where isolation is partial (complete once grading ends)
    notes: tuple[str, ...]  # for the instructor: where it was graded and how the limits hold there

    def launch(self) -> None: ...

    def __enter__(self) -> "Graders": ...

    def __exit__(self, *exc) -> None: ...

    def grade(self, specs: list[TestSpec], plan, todo: list[Prepared]) -> Iterator[SubmissionResult]: ...

    def close(self) -> None: ...


class Cluster(Protocol):
    """Graders elsewhere (`autograder.cluster`): a run's `Graders` for an assignment."""

    def graders(self, assignment: Assignment, sandboxing: Sandboxing) -> Graders: ...


class LocalGraders:
    """One sandbox on this machine, its slots served by `scheduler`'s threads."""

    def __init__(self, assignment: Assignment, sandboxing: Sandboxing, scheduler: Scheduler):
        self.assignment, self.scheduler = assignment, scheduler
        self.sandbox = sandbox_for(assignment, sandboxing.limits, scheduler.jobs, isolate=sandboxing.isolate,
                                   notebooks=sandboxing.notebooks, allow_partial=sandboxing.allow_partial)

    def launch(self) -> None:
        self.sandbox.launch()

    def __enter__(self) -> "LocalGraders":
        self.sandbox.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def warning(self) -> str:
        return self.sandbox.warning

    @property
    def notes(self) -> tuple[str, ...]:
        return (f"isolation: {self.sandbox.label}", *self.sandbox.notes)

    def grade(self, specs: list[TestSpec], plan, todo: list[Prepared]) -> Iterator[SubmissionResult]:
        def one(slot: int, item: Prepared) -> SubmissionResult:
            return grade_one(self.assignment, specs, item, self.sandbox, slot, plan)

        return self.scheduler.map(one, todo)

    def close(self) -> None:
        self.sandbox.close()
