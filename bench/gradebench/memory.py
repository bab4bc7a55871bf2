"""Memory of a process tree, read from /proc: what a batch's grader, zygote, keepers and submissions hold.

RSS counts a shared page once in every process that maps it, so its sum overstates what forked children
cost (they share the zygote's torch pages); PSS splits each shared page among its sharers, so the sum of
PSS is the memory the tree really holds. Reading smaps_rollup costs ~2 ms a process: PSS is read less often.
"""
from __future__ import annotations

import os
import threading
import time

MB = 2**20
PAGE = os.sysconf("SC_PAGE_SIZE")
PARTS = ("grader", "zygote", "keepers + submissions")  # by depth below the grader: 0, 1, 2 and deeper


def children(pid: int) -> list[int]:
    """The live children of `pid`, over all its threads (a thread's forks are listed under that thread)."""
    kids: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return kids


def tree(root: int) -> dict[int, int]:
    """Every live process of the tree under `root` (itself included), with its depth below `root`."""
    depths, todo = {}, [(root, 0)]
    while todo:
        pid, depth = todo.pop()
        depths[pid] = depth
        todo.extend((kid, depth + 1) for kid in children(pid))
    return depths


def rss(pid: int) -> int:
    """Resident bytes of `pid` (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def pss(pid: int) -> int:
    """Proportional set size of `pid` in bytes (0 if it is gone or not readable)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


class TreeSampler:
    """While in use, the peak summed RSS (every `interval` s) and PSS (every `pss_interval` s, 0: never) of
    `root` and its descendants, the RSS peak split by depth (`PARTS`), and the most processes at once."""

    def __init__(self, root: int, interval: float = 0.05, pss_interval: float = 0.5):
        self.root, self.interval, self.pss_interval = root, interval, pss_interval
        self.peak_rss = self.peak_pss = self.max_procs = self.samples = 0
        self.peak_parts = dict.fromkeys(PARTS, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TreeSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        next_pss = 0.0
        while True:
            depths = tree(self.root)
            self._sample_rss(depths)
            if self.pss_interval > 0 and time.monotonic() >= next_pss:
                self.peak_pss = max(self.peak_pss, sum(pss(pid) for pid in depths))
                next_pss = time.monotonic() + self.pss_interval
            if self._stop.wait(self.interval):
                return

    def _sample_rss(self, depths: dict[int, int]) -> None:
        sizes = {pid: rss(pid) for pid in depths}
        self.samples += 1
        self.max_procs = max(self.max_procs, sum(1 for size in sizes.values() if size))
        if sum(sizes.values()) > self.peak_rss:
            self.peak_rss = sum(sizes.values())
            self.peak_parts = dict.fromkeys(PARTS, 0)
            for pid, size in sizes.items():
                self.peak_parts[PARTS[min(depths[pid], len(PARTS) - 1)]] += size

    def figures(self) -> dict:
        """What was seen, in MB (PSS None when it was not sampled)."""
        return {"peak_rss_sum_mb": self.peak_rss / MB,
                "peak_pss_sum_mb": self.peak_pss / MB if self.pss_interval > 0 else None,
                "peak_rss_parts_mb": {k: v / MB for k, v in self.peak_parts.items()},
                "max_processes": self.max_procs, "samples": self.samples}
