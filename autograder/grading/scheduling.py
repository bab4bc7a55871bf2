"""Where submissions are graded: one small interface, local worker threads for now.

A scheduler runs `fn(slot, item)` for every item and yields results as they
complete. `slot` numbers the worker (0..jobs-1) so the sandbox can give each
worker its own unprivileged user. A distributed scheduler (Dask, say) only
has to implement `map`.
"""
from __future__ import annotations

import queue
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Callable, Iterable, Iterator, Protocol, TypeVar

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
