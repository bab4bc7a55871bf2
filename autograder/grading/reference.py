"""Running the reference solution in the grader's own process, and leaving nothing of it behind.

The grader may run the reference (it is trusted; students never share this
process): to record the oracles' values (`oracles`), the calls the tests make
(`planning`) and, for mutation testing, the reference's replies.
"""
from __future__ import annotations

import contextlib
import random
import signal
import sys
import threading
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from autograder.core.course import Assignment
from autograder.core.errors import AutograderError
from autograder.core.results import SubmissionResult
from autograder.grading.collect import TestSpec
from autograder.grading.one import grade_one, load_request, workdir_files
from autograder.grading.protocol import InProcess, Submission
from autograder.grading.submissions import Prepared
from autograder.isolation.child import MODULE_NAME


class ReferenceTimeout(BaseException):
    """The reference's own test run went past its time limit (a BaseException: no test may swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise `ReferenceTimeout` in this thread after `seconds`, and every 0.1 s after until the block ends.

    Yields a list that holds True once the limit has passed (student-side code may swallow the
    exception). Only in the main thread (signals); elsewhere the block runs without a limit.
    """
    expired: list[bool] = []
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield expired
        return

    def expire(signum, frame):
        expired.append(True)
        raise ReferenceTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield expired
    finally:
        while True:  # the alarm may strike in here too: disarm until it stays disarmed
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                break
            except ReferenceTimeout:
                continue


def reference_files(assignment: Assignment) -> dict[str, str]:
    """The reference's files, name -> text."""
    files = {}
    for name in assignment.files:
        path = assignment.reference_dir / name
        if not path.is_file():
            raise AutograderError(f"{path}: reference file missing")
        files[name] = path.read_text("utf-8")
    return files


def prepared(assignment: Assignment, files: dict[str, str] | None = None, name: str = "reference") -> Prepared:
    """The reference (or `files`, e.g. a mutant of it) as a submission ready to run."""
    return Prepared(name, assignment.reference_dir, files if files is not None else reference_files(assignment), "")


@contextlib.contextmanager
def restored_state(files: tuple[str, ...]):
    """Undo what loading a submission here leaves behind: sys.path entries, module entries, global RNG states."""
    path = list(sys.path)
    names = [MODULE_NAME, *(Path(f).stem for f in files)]
    modules = {name: sys.modules.get(name) for name in names}
    rngs = [(random.setstate, random.getstate()), (np.random.set_state, np.random.get_state())]
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        rngs.append((torch.set_rng_state, torch.get_rng_state()))
    try:
        yield
    finally:
        sys.path[:] = path
        for name, module in modules.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        for restore, state in rngs:
            restore(state)


def run_reference(assignment: Assignment, specs: list[TestSpec], entry: Prepared | None = None,
                  wrap: Callable = lambda channel: channel) -> SubmissionResult:
    """The reference (or `entry`, a mutant of it) graded in this process (`grade_one` through `InProcess`),
    leaving nothing of it behind here. `wrap` may wrap the channel (to record what goes through it)."""
    with restored_state(assignment.files):
        return grade_one(assignment, specs, entry or prepared(assignment), InProcess(wrap))


@contextlib.contextmanager
def reference_submission(assignment: Assignment, wrap: Callable = lambda channel: channel,
                         entry: Prepared | None = None) -> Iterator[Submission]:
    """The reference (or `entry`, a mistake made from it) loaded in this process, as the tests see a submission:
    for runs that are not a grading (recording the tests' calls, see `planning`). Nothing of it is left behind here."""
    entry = entry or prepared(assignment)
    with restored_state(assignment.files), \
            InProcess(wrap).channel(workdir_files(entry), load_request(assignment, entry)) as channel:
        yield Submission(channel, assignment.files)
