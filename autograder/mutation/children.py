"""Forked children: run each task in its own process, a few at a time, with a time limit and cleanup.

Only JSON comes back up the pipe. A child that outlives its time limit is killed with its
process group; a child that dies or says nothing counts as crashed.
"""
from __future__ import annotations

import importlib
import json
import os
import resource
import selectors
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable

from .report import CRASHED, TIMEOUT

MEMORY_HEADROOM = 4 << 30  # a child may grow by this much address space before MemoryError
# The grader's modules a child needs but might import lazily (the in-process channel imports
# autograder.isolation.child on first use). Loaded in the parent before forking, so every child runs the
# parent's copy: a file edited on disk during a run must not give some mutants a different grader.
PRELOADED = ("autograder.isolation.child", "autograder.isolation.wire")


@dataclass(frozen=True)
class ChildOutcome:
    """What one forked child gave back: its JSON payload, or why there is none."""

    payload: dict | None
    status: str  # "ok", TIMEOUT or CRASHED
    duration_s: float  # wall time, fork to reap
    cpu_s: float  # the child's own CPU time (user + system)
    error: str = ""  # for a crash: the exception that ended the child, when it could say


def _preload() -> None:
    """Make sure the modules in PRELOADED are loaded in this (the parent) process."""
    for name in PRELOADED:
        importlib.import_module(name)


def _prepare_child(tmp: str, timeout_s: float) -> None:
    """Quiet, single-threaded, memory-capped, own process group, own temporary folder.

    An alarm a little past the timeout ends the child even if the parent is gone and cannot kill it.
    """
    os.setpgid(0, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(int(timeout_s) + 5)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.environ["OMP_NUM_THREADS"] = "1"
    if "torch" in sys.modules:  # torch's OpenMP pool hangs in a forked child unless reset to one thread
        sys.modules["torch"].set_num_threads(1)
    try:
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (used + MEMORY_HEADROOM, resource.RLIM_INFINITY))
    except (OSError, ValueError, ImportError):
        pass
    os.makedirs(tmp, exist_ok=True)
    tempfile.tempdir = tmp


def _send(write_fd: int, payload: dict) -> None:
    data = memoryview(json.dumps(payload, allow_nan=True).encode())
    while data:
        data = data[os.write(write_fd, data):]


def _child_main(task: Callable[[], dict], write_fd: int, tmp: str, timeout_s: float) -> None:
    """Run `task` in this forked child, send its JSON result up the pipe, and never return."""
    code = 70
    try:
        _prepare_child(tmp, timeout_s)
        _send(write_fd, task())
        code = 0
    except BaseException as exc:  # noqa: BLE001 - nothing may escape into the parent's code
        try:
            _send(write_fd, {"child_error": f"{type(exc).__name__}: {str(exc)[:500]}"})
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(code)


def _kill(pid: int) -> None:
    for kill, target in ((os.killpg, pid), (os.kill, pid)):
        try:
            kill(target, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            continue


@dataclass
class _Running:
    index: int
    pid: int
    fd: int
    started: float
    chunks: list
    eof: bool = False


def _outcome(job: _Running, status: str, wait_status: int, rusage) -> ChildOutcome:
    payload = None
    try:
        payload = json.loads(b"".join(job.chunks)) if job.chunks else None
    except ValueError:
        pass
    payload = payload if isinstance(payload, dict) else None
    error = str(payload.pop("child_error", "")) if payload else ""
    if status == "ok" and (os.waitstatus_to_exitcode(wait_status) != 0 or payload is None or error):
        code = os.waitstatus_to_exitcode(wait_status)
        status, error = CRASHED, error or (f"killed by signal {-code}" if code < 0 else f"exit status {code}")
    return ChildOutcome(payload if status == "ok" else None, status, round(time.monotonic() - job.started, 4),
                        round(rusage.ru_utime + rusage.ru_stime, 4), error)


def run_in_children(tasks: list[Callable[[], dict]], jobs: int, timeout_s: float, workdir: str,
                    progress: Callable[[int, int], None] | None = None) -> list[ChildOutcome]:
    """Run each task in its own forked child, `jobs` at a time; a child past `timeout_s` is killed."""
    _preload()
    outcomes: list[ChildOutcome | None] = [None] * len(tasks)
    pending, running = list(range(len(tasks)))[::-1], {}
    selector = selectors.DefaultSelector()

    def finish(job: _Running, status: str, reaped: tuple | None = None) -> None:
        if not job.eof:
            selector.unregister(job.fd)
        os.close(job.fd)
        del running[job.fd]
        _, wait_status, rusage = reaped or os.wait4(job.pid, 0)
        outcomes[job.index] = _outcome(job, status, wait_status, rusage)
        if progress:
            progress(sum(o is not None for o in outcomes), len(tasks))

    try:
        while pending or running:
            while pending and len(running) < jobs:
                index = pending.pop()
                job = _start(tasks[index], index, os.path.join(workdir, f"job{index}"), timeout_s)
                running[job.fd] = job
                selector.register(job.fd, selectors.EVENT_READ)
            _read_ready(selector, running, timeout_s)
            now = time.monotonic()
            for job in list(running.values()):
                reaped = os.wait4(job.pid, os.WNOHANG) if job.eof else (0, 0, None)
                if reaped[0]:
                    finish(job, "ok", reaped)
                elif now - job.started > timeout_s:
                    _kill(job.pid)
                    finish(job, TIMEOUT)
    finally:
        for job in list(running.values()):
            _kill(job.pid)
            finish(job, CRASHED)
        selector.close()
    return outcomes  # type: ignore[return-value]


def _read_ready(selector: selectors.BaseSelector, running: dict[int, _Running], timeout_s: float) -> None:
    """Wait for a child's output or the next deadline, and keep what the children wrote."""
    wait = min(job.started + timeout_s for job in running.values()) - time.monotonic()
    if any(job.eof for job in running.values()):
        wait = min(wait, 0.002)  # a child that closed its pipe is about to exit: poll for it
    for key, _ in selector.select(timeout=max(0.0, wait)):
        job = running[key.fd]
        chunk = os.read(key.fd, 1 << 16)
        if chunk:
            job.chunks.append(chunk)
        else:  # the child is done writing; it is reaped below once it has exited
            job.eof = True
            selector.unregister(key.fd)


def _start(task: Callable[[], dict], index: int, tmp: str, timeout_s: float) -> _Running:
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child_main(task, write_fd, tmp, timeout_s)
    os.close(write_fd)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass  # the child did it first, or is already gone
    return _Running(index, pid, read_fd, started, [])
