"""A Dask worker's side of a cluster run: one warm sandbox per worker, and the task that grades a chunk.

`GradingPlugin` is registered by the client for one run (`client.DaskGraders`); Dask starts it on every
worker, a worker that joins or is restarted later too. Its setup, off the worker's event loop, unpacks the
bundle into a temporary course folder, collects the tests from there and starts a sandbox with the
isolation this worker's host allows (refusing partial isolation unless the run allows it, as everywhere),
one slot per worker thread. `grade_chunk` grades a chunk's submissions one after another on a free slot,
with `grading.one.grade_one`, as a local run does; `PlanPlugin` carries the run's plan to every worker.
"""
from __future__ import annotations

import asyncio
import queue
import shutil
import socket
from dataclasses import dataclass

from distributed import WorkerPlugin, get_worker

from autograder.cluster.bundle import Bundle, unpack
from autograder.core.errors import AutograderError
from autograder.core.results import SubmissionResult
from autograder.grading.collect import collect
from autograder.grading.one import grade_one, sandbox_for
from autograder.grading.scheduling import Sandboxing
from autograder.grading.submissions import Prepared


@dataclass(frozen=True)
class WorkerReport:
    """What a worker's sandbox is: sent back with every chunk, so that a worker that joined late is heard too."""

    address: str
    host: str
    slots: int
    backend: str
    label: str
    warning: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Chunk:
    """A graded chunk: its results, in order, and the worker's report."""

    results: list[SubmissionResult]
    report: WorkerReport


def plan_name(run: str) -> str:
    """The name of the plugin that carries run `run`'s plan."""
    return f"{run}-plan"


class GradingPlugin(WorkerPlugin):
    """The run's tests and one warm sandbox on a worker, for the run's length (named after the run)."""

    def __init__(self, run: str, bundle: Bundle, sandboxing: Sandboxing):
        self.name, self.bundle, self.sandboxing = run, bundle, sandboxing
        self.assignment = self.specs = self.sandbox = self.slots = self.report = None

    async def setup(self, worker) -> None:
        slots, where = worker.state.nthreads, worker.local_directory
        try:
            await asyncio.to_thread(self._start, slots, where)
        except Exception as exc:  # the client's registration re-raises it: say which worker could not start
            raise AutograderError(f"the Dask worker {worker.address} ({socket.gethostname()}) cannot grade: "
                                  f"{exc}") from None
        self.report = WorkerReport(worker.address, socket.gethostname(), slots, self.sandbox.backend,
                                   self.sandbox.label, self.sandbox.warning, tuple(self.sandbox.notes))

    def _start(self, slots: int, where: str) -> None:
        """Unpack, collect, start the sandbox: its zygote warms up (torch) while the tests are imported."""
        self.assignment = unpack(self.bundle, where)
        s = self.sandboxing
        try:
            self.sandbox = sandbox_for(self.assignment, s.limits, slots, isolate=s.isolate, notebooks=s.notebooks,
                                       allow_partial=s.allow_partial)
            self.sandbox.launch()
            self.specs = collect(self.assignment)
            self.sandbox.__enter__()
        except BaseException:
            self._stop()
            raise
        self.slots = queue.SimpleQueue()
        for slot in range(slots):
            self.slots.put(slot)

    def grade(self, items: list[Prepared], plan) -> Chunk:
        slot = self.slots.get()  # one task per worker thread at a time: there is always one free
        try:
            return Chunk([grade_one(self.assignment, self.specs, item, self.sandbox, slot, plan) for item in items],
                         self.report)
        finally:
            self.slots.put(slot)

    async def teardown(self, worker) -> None:
        await asyncio.to_thread(self._stop)

    def _stop(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()  # safe twice
        if self.assignment is not None:
            shutil.rmtree(self.assignment.course_root, ignore_errors=True)


class PlanPlugin(WorkerPlugin):
    """The run's plan (see `grading.planning`), on every worker: sent once, not with every chunk."""

    def __init__(self, run: str, plan):
        self.name, self.plan = plan_name(run), plan


def grade_chunk(run: str, items: list[Prepared]) -> Chunk:
    """The task: grade `items` on this worker's sandbox of run `run`."""
    worker = get_worker()
    plugin = worker.plugins.get(run)
    if plugin is None or plugin.report is None:
        raise AutograderError(f"the Dask worker {worker.address} has no sandbox for this run (see its log)")
    return plugin.grade(items, worker.plugins[plan_name(run)].plan)


def worker_report(run: str, dask_worker=None) -> WorkerReport | None:
    """This worker's report for run `run` (by `Client.run`); None where its plugin did not start."""
    plugin = dask_worker.plugins.get(run)
    return plugin.report if plugin is not None else None
