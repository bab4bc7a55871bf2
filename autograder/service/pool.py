"""The grading pool: per assignment, a few worker threads (one per slot of its warm sandbox) that take queued
submissions in turn, round robin across students, so that a student who hands in ten times delays the others by
no more than their own place in the queue."""
from __future__ import annotations

import collections
import logging
import threading
from typing import Callable, Hashable

log = logging.getLogger("autograder.service")


class FairQueue:
    """Items queued per key (a student); `get` takes the oldest item of the key that has waited longest."""

    def __init__(self):
        self._items: collections.OrderedDict[Hashable, collections.deque] = collections.OrderedDict()
        self._cond = threading.Condition()
        self._closed = False

    def put(self, key: Hashable, item) -> None:
        with self._cond:
            self._items.setdefault(key, collections.deque()).append(item)
            self._cond.notify()

    def get(self):
        """The next item, waiting for one; None once closed."""
        with self._cond:
            self._cond.wait_for(lambda: self._items or self._closed)
            if self._closed:
                return None
            key, items = next(iter(self._items.items()))
            item = items.popleft()
            del self._items[key]
            if items:
                self._items[key] = items  # to the back of the line: others go first
            return item

    def __len__(self) -> int:
        with self._cond:
            return sum(map(len, self._items.values()))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class AssignmentPool:
    """`slots` threads that call `work(slot, item)` for each queued item; started on the first `put`."""

    def __init__(self, name: str, slots: int, work: Callable[[int, object], None]):
        self.name, self.slots, self._work = name, slots, work
        self.queue = FairQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def put(self, key: Hashable, item) -> None:
        with self._lock:
            if not self._threads:
                self._threads = [threading.Thread(target=self._serve, args=(slot,), daemon=True,
                                                  name=f"check-{self.name}-{slot}") for slot in range(self.slots)]
                for thread in self._threads:
                    thread.start()
        self.queue.put(key, item)

    def _serve(self, slot: int) -> None:
        while (item := self.queue.get()) is not None:
            try:
                self._work(slot, item)
            except Exception:  # noqa: BLE001 (the worker records what it can; the slot must go on)
                log.exception("grading %s on slot %d failed", item, slot)

    def close(self) -> None:
        self.queue.close()
        for thread in self._threads:
            thread.join(timeout=30)


class GradingPool:
    """One `AssignmentPool` per assignment, made on first use by `make(name)`."""

    def __init__(self, make: Callable[[str], AssignmentPool]):
        self._make = make
        self._pools: dict[str, AssignmentPool] = {}
        self._lock = threading.Lock()

    def put(self, assignment: str, student_id: str, item) -> None:
        with self._lock:
            pool = self._pools.get(assignment) or self._pools.setdefault(assignment, self._make(assignment))
        pool.put(student_id, item)

    def waiting(self) -> dict[str, int]:
        with self._lock:
            return {name: len(pool.queue) for name, pool in self._pools.items()}

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()
