"""The client's side of a cluster run: start or reach the Dask cluster, register the run's plugins, send the
submissions in chunks and yield each chunk's results as it comes back (`grading.batch` saves them at once).

A worker that dies has its chunks retried elsewhere by Dask (the scheduler's `allowed-failures`: 1 on a
`local:N` cluster, so a chunk is tried twice). A chunk that still fails that way (KilledWorker) may hold a
submission that kills whatever grades it, or only have been beside one: its submissions are graded again
one at a time, alone on the cluster, after the others, and one whose worker dies then too is recorded as
not graded (`grader_error`), never as 0 points. A task that raises is retried once, then its submissions
are `grader_error` rows saying why. Every submission gets exactly one row.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
import uuid
from typing import Iterable, Iterator

import dask
from distributed import Client, KilledWorker, LocalCluster, wait

from autograder.cluster.bundle import bundle_of
from autograder.cluster.worker import Chunk, GradingPlugin, PlanPlugin, WorkerReport, grade_chunk, worker_report
from autograder.core.course import Assignment
from autograder.core.errors import AutograderError
from autograder.core.results import SubmissionResult
from autograder.grading.collect import TestSpec
from autograder.grading.one import failed_twice, result_of
from autograder.grading.scheduling import Sandboxing
from autograder.grading.submissions import Prepared

LOCAL_THREADS = 2  # per worker of local:N: one submission's tests run here while the other's code runs
MAX_CHUNK = 16  # submissions per task, at most: few enough that a dead worker costs little
CONNECT_TIMEOUT_S = 15
WORKERS_TIMEOUT_S = 120  # how long a run waits for a first worker to join, or for one when none is left
POLL_S = 2  # how often a run waiting for results checks that the cluster still has a worker
KILLED_ALONE = ("the Dask worker grading it ended each time it was tried, also when it was graded alone "
                "(killed, out of memory, or a fault of the grader)")


class DaskCluster:
    """A `scheduling.Cluster`: a LocalCluster of `workers` processes here, or the scheduler at `address`."""

    def __init__(self, address: str | None = None, workers: int = 0, threads: int = LOCAL_THREADS):
        self.address, self.workers, self.threads = address, workers, threads

    def __str__(self) -> str:
        return self.address or f"local:{self.workers}"

    def graders(self, assignment: Assignment, sandboxing: Sandboxing) -> "DaskGraders":
        return DaskGraders(self, assignment, sandboxing)

    def connect(self) -> tuple[LocalCluster | None, Client]:
        """A client of the cluster (and the LocalCluster it started, to be closed with it)."""
        if self.address is None:
            local = _local_cluster(self.workers, self.threads)
            return local, Client(local, set_as_default=False)
        try:
            client = Client(self.address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise AutograderError(f"--cluster {self.address}: no Dask scheduler answers there ({exc})") from None
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        except TimeoutError:
            client.close()
            raise AutograderError(f"--cluster {self.address}: no worker joined the scheduler within "
                                  f"{WORKERS_TIMEOUT_S} s (start one with `dask worker {self.address}`)") from None
        return None, client


def _local_cluster(workers: int, threads: int) -> LocalCluster:
    """`workers` processes here, on the loopback: no dashboard (the scheduler's own HTTP routes on a free port),
    quiet logs (the run's summary says what happened), and a chunk whose worker died tried once more."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):  # the scheduler runs in this process
        return LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True, host="127.0.0.1",
                            dashboard_address=None, silence_logs=logging.CRITICAL,
                            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})


class DaskGraders:
    """A run's `scheduling.Graders` on a Dask cluster (see the module's doc)."""

    def __init__(self, cluster: DaskCluster, assignment: Assignment, sandboxing: Sandboxing):
        self.cluster, self.assignment, self.sandboxing = cluster, assignment, sandboxing
        self.run = f"autograder-{assignment.name}-{uuid.uuid4().hex[:12]}"
        self.client: Client | None = None
        self._local: LocalCluster | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self.reports: dict[str, WorkerReport] = {}  # by worker address: those at the start, and every one heard
        self.alone = 0  # submissions graded again alone after their chunk's worker died
        self._plugins: list[str] = []  # the names of this run's plugins, as registered
        self._alone_since: float | None = None  # since when the cluster has had no worker, while waiting

    def launch(self) -> None:
        """Start (or reach) the cluster and its workers' sandboxes in the background."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._start, name="cluster-start", daemon=True)
            self._thread.start()

    def _start(self) -> None:
        try:
            self._local, self.client = self.cluster.connect()
            plugin = GradingPlugin(self.run, bundle_of(self.assignment), self.sandboxing)
            self._register(plugin)  # re-raises the first worker's failure
            self._hear(r for r in self.client.run(worker_report, self.run).values() if r is not None)
        except BaseException as exc:  # noqa: BLE001 (raised by __enter__, in the caller's thread)
            self._failure = exc

    def __enter__(self) -> "DaskGraders":
        self.launch()
        self._thread.join()
        if self._failure is not None:
            self.close()
            failure = self._failure
            if isinstance(failure, AutograderError):
                raise failure
            raise AutograderError(f"--cluster {self.cluster}: the workers could not start grading: "
                                  f"{type(failure).__name__}: {failure}") from failure
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker's sandbox of this run (the workers stay, on a cluster of others), then the client."""
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()
        if self.client is not None:
            # A LocalCluster's workers tear the plugins down as they close; a shared cluster's stay: unregister.
            for name in reversed(self._plugins if self._local is None else []):
                with contextlib.suppress(Exception):  # the cluster is gone
                    self.client.unregister_worker_plugin(name)
            self._plugins.clear()
            self.client.close()
            self.client = None
        if self._local is not None:
            self._local.close()
            self._local = None

    def _register(self, plugin) -> None:
        """Register `plugin` on every worker, now and joining later; unregistered (torn down) by `close`."""
        self._plugins.append(plugin.name)  # kept by the scheduler even where a worker's setup fails
        self.client.register_plugin(plugin, name=plugin.name)

    def _hear(self, reports: Iterable[WorkerReport]) -> None:
        for report in reports:
            self.reports[report.address] = report

    @property
    def warning(self) -> str:
        """Each distinct warning of the workers heard (partial isolation: only where the run allows it)."""
        return "; ".join(dict.fromkeys(r.warning for r in self.reports.values() if r.warning))

    @property
    def notes(self) -> tuple[str, ...]:
        hosts = {r.host for r in self.reports.values()}
        notes = [f"graded on the Dask cluster {self.cluster}: {len(self.reports)} worker(s) on {len(hosts)} "
                 f"host(s), {sum(r.slots for r in self.reports.values())} submissions at once"]
        for label in dict.fromkeys(r.label for r in self.reports.values()):
            count = sum(r.label == label for r in self.reports.values())
            notes.append(f"isolation: {label}" + (f" ({count} of {len(self.reports)} workers)"
                                                  if count < len(self.reports) else ""))
        notes += dict.fromkeys(n for r in self.reports.values() for n in r.notes)
        if self.alone:
            notes.append(f"{self.alone} submission(s) were graded again alone after the worker grading them ended")
        return tuple(notes)

    def grade(self, specs: list[TestSpec], plan, todo: list[Prepared]) -> Iterator[SubmissionResult]:
        """Every submission's result, chunk by chunk as they come back; then those graded again alone."""
        self._register(PlanPlugin(self.run, plan))
        slots = sum(self.client.nthreads().values()) or 1
        again: list[Prepared] = []
        for chunk, outcome in self._run(chunks(todo, slots), in_flight=2 * slots):
            if isinstance(outcome, KilledWorker):
                again += chunk
            else:
                yield from self._results(chunk, outcome, specs)
        self.alone = len(again)
        for item in again:  # one at a time: if its worker dies, nothing else was on it
            for chunk, outcome in self._run([[item]], in_flight=1):
                yield from self._results(chunk, outcome, specs, killed=KILLED_ALONE)

    def _run(self, todo: Iterable[list[Prepared]], in_flight: int) -> Iterator[tuple[list[Prepared], object]]:
        """(chunk, its `Chunk` or the exception it ended with) as each completes, `in_flight` sent ahead."""
        waiting, pending = iter(todo), {}

        def send(chunk: list[Prepared]) -> None:
            future = self.client.submit(grade_chunk, self.run, chunk, retries=1, pure=False,
                                        key=f"{self.run}-{uuid.uuid4().hex[:12]}")
            pending[future] = chunk

        for chunk in itertools.islice(waiting, in_flight):
            send(chunk)
        try:
            while pending:
                for future in self._first_done(list(pending)):
                    chunk = pending.pop(future)
                    outcome = self._outcome(future)
                    future.release()
                    for following in itertools.islice(waiting, 1):
                        send(following)
                    yield chunk, outcome
        finally:
            for future in pending:  # the caller stopped early (interrupted, no worker left): nothing more to grade
                future.cancel()

    def _first_done(self, futures: list) -> set:
        """Those of `futures` that are done, once one is (see `_watch_workers`: a run never waits forever)."""
        while True:
            try:
                with self.client.as_current():  # `wait` asks for the current client; this run's is not the default
                    return wait(futures, timeout=POLL_S, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                self._watch_workers()

    def _outcome(self, future):
        """A done future's `Chunk`, or the exception it ended with (a worker died, or the task raised twice). A
        future said done can be pending again (its worker died since and the task went back to the scheduler):
        then it is waited for like the others."""
        while True:
            try:
                return future.result(timeout=POLL_S)
            except TimeoutError as exc:
                if future.done():  # the task's own TimeoutError
                    return exc
                self._watch_workers()
            except Exception as exc:  # noqa: BLE001
                return exc

    def _watch_workers(self) -> None:
        """`AutograderError` when the cluster has had no worker for WORKERS_TIMEOUT_S while results are awaited
        (every worker gone, or none could start again)."""
        if self.client.nthreads():
            self._alone_since = None
        elif self._alone_since is None:
            self._alone_since = time.monotonic()
        elif time.monotonic() - self._alone_since > WORKERS_TIMEOUT_S:
            raise AutograderError(
                f"--cluster {self.cluster}: no Dask worker left for {WORKERS_TIMEOUT_S} s (they ended, or "
                f"could not start again: see their logs); the results so far are saved, and the same "
                f"command, run again, grades the rest")

    def _results(self, chunk: list[Prepared], outcome, specs: list[TestSpec],
                 killed: str = "") -> Iterator[SubmissionResult]:
        if isinstance(outcome, Chunk):
            self._hear([outcome.report])
            yield from outcome.results
            return
        why = killed if isinstance(outcome, KilledWorker) and killed else \
            f"on the Dask cluster: {type(outcome).__name__}: {outcome}"
        for item in chunk:
            yield result_of(item, failed_twice(specs, why))


def chunks(items: list[Prepared], slots: int) -> Iterator[list[Prepared]]:
    """`items` in order, in chunks of a quarter of each slot's share of what remains (1 to MAX_CHUNK): large
    while much remains (few tasks for the scheduler), single submissions at the end (no slot idles while
    another finishes a long chunk). Made as they are sent."""
    start = 0
    while start < len(items):
        size = max(1, min(MAX_CHUNK, (len(items) - start) // (4 * slots)))
        yield items[start:start + size]
        start += size
