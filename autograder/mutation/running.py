"""The run: grade the reference once while recording its calls, then every mutant in a forked child."""
from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from typing import Callable

from autograder.core.course import Assignment
from autograder.core.errors import AutograderError
from autograder.core.results import SubmissionResult
from autograder.core.status import Outcome, Status
from autograder.grading.collect import TestSpec, collect
from autograder.grading.one import grade_one, load_request
from autograder.grading.protocol import InProcess
from autograder.grading.reference import ReferenceTimeout, restored_state
from autograder.grading.reference import prepared as reference_entry
from autograder.grading.reference import time_limit as _time_limit
from autograder.grading.submissions import Prepared

from .children import ChildOutcome, run_in_children
from .operators import assignment_mutants, sample
from .replay import RecordingChannel, replay
from .report import CRASHED, EQUIVALENT, KILLED, SURVIVED, TIMEOUT, Mutant, MutantResult, MutationReport


def _summary(result: SubmissionResult) -> dict:
    """A graded run as JSON: status, score and the tests that did not pass (with their message's first line)."""
    failed = [[o.test, (o.message.splitlines() or [""])[0][:300]] for o in result.outcomes if o.outcome in (Outcome.FAILED, Outcome.PARTIAL, Outcome.NOT_RUN)]
    return {"status": str(result.status), "message": result.message[:500], "score": result.score,
            "max_score": result.max_score, "duration_s": result.duration_s, "failed": failed}


def _all_passed(summary: dict) -> bool:
    return summary["status"] == Status.GRADED and not summary["failed"]


@dataclass(frozen=True)
class Recording:
    """The reference's test run: its summary, every call with its reply, and the calls that do not replay."""

    summary: dict
    calls: list
    unstable: frozenset
    duration_s: float
    cpu_s: float


def record_reference(assignment: Assignment, specs: list[TestSpec], prepared: Prepared,
                     time_limit_s: float) -> Recording:
    """Grade the reference in this process, recording every call; replay the calls once to find unstable ones.

    Running it here, before any fork, also warms this process (lazy imports, first-call set-up in
    torch and NumPy), so that every mutant's child starts warm: several times faster per mutant.
    Global random states are restored afterwards, so every child starts where the reference did.
    """
    started, cpu = time.monotonic(), time.process_time()
    request = load_request(assignment, prepared)
    expired: list[bool] = []
    channels: list[RecordingChannel] = []

    def recording(inner) -> RecordingChannel:
        channels.append(RecordingChannel(inner))
        return channels[-1]

    try:
        with _time_limit(time_limit_s) as expired, restored_state(assignment.files):
            result = grade_one(assignment, specs, prepared, InProcess(recording))
            # The replay runs on from the state the run left (random generators included): calls whose
            # replies depend on it show up as unstable, and are not compared.
            unstable = frozenset(k for k, _ in replay(request, prepared.files, channels[0].calls, first_only=False))
            channel = channels[0]
    except ReferenceTimeout:
        expired.append(True)
    if expired:
        raise AutograderError(f"{assignment.name}: the reference's tests did not finish within {time_limit_s:g} s")
    summary = _summary(result)
    if not _all_passed(summary):
        failing = "; ".join(f"{test}: {message}" for test, message in summary["failed"][:5]) or summary["message"]
        raise AutograderError(f"{assignment.name}: the reference does not get full marks "
                              f"({summary['score']:g}/{summary['max_score']:g}); fix it before mutation testing. "
                              f"Failing: {failing}")
    # Through JSON, as a child would see them: replies are compared as plain data.
    calls = [tuple(pair) for pair in json.loads(json.dumps(channel.calls, allow_nan=True))]
    return Recording(summary, calls, unstable, round(time.monotonic() - started, 4),
                     round(time.process_time() - cpu, 4))


def _mutant_task(assignment: Assignment, specs: list[TestSpec], prepared: Prepared,
                 calls: list, unstable: frozenset) -> Callable[[], dict]:
    """Grade one mutant; if it passes everything, replay the reference's calls and say what changed."""
    def task() -> dict:
        summary = _summary(grade_one(assignment, specs, prepared, InProcess()))
        if _all_passed(summary):
            differences = replay(load_request(assignment, prepared), prepared.files, calls, skip=unstable)
            summary["difference"] = differences[0][1] if differences else ""
        return summary
    return task


def _verdict(mutant: Mutant, outcome: ChildOutcome) -> MutantResult:
    timing = {"duration_s": outcome.duration_s, "cpu_s": outcome.cpu_s}
    if outcome.status in (TIMEOUT, CRASHED):
        return MutantResult(mutant, outcome.status, (), difference=outcome.error, **timing)
    summary = outcome.payload
    if not _all_passed(summary):
        failed = tuple(test for test, _ in summary["failed"]) or (f"({summary['status']})",)
        return MutantResult(mutant, KILLED, failed, **timing)
    difference = summary.get("difference", "")
    return MutantResult(mutant, SURVIVED if difference else EQUIVALENT, (), difference=difference, **timing)


def run_mutation(assignment: Assignment, max_mutants: int | None = None, timeout_s: float = 20.0, jobs: int = 2,
                 progress: Callable[[int, int], None] | None = None) -> MutationReport:
    """Mutate the reference's solution regions and run every test against each mutant (see the package doc)."""
    if jobs < 1 or timeout_s <= 0 or (max_mutants is not None and max_mutants < 1):
        raise AutograderError("mutation testing needs --jobs >= 1, --timeout > 0 and --max >= 1")
    started = time.monotonic()
    specs = collect(assignment)
    reference, mutants = assignment_mutants(assignment)
    chosen = sample(mutants, max_mutants)
    recording = record_reference(assignment, specs, reference_entry(assignment, reference),
                                 max(60.0, 3 * timeout_s))
    with tempfile.TemporaryDirectory(prefix="ag-mutation-", ignore_cleanup_errors=True) as workdir:
        mutants_started = time.monotonic()
        tasks = [_mutant_task(assignment, specs, reference_entry(assignment, {**reference, m.file: m.source}, f"mutant{m.index}"),
                              recording.calls, recording.unstable) for m in chosen]
        outcomes = run_in_children(tasks, jobs, timeout_s, workdir, progress)
        mutants_s = time.monotonic() - mutants_started
    return MutationReport(
        assignment=assignment.name, files=assignment.files, generated=len(mutants),
        results=tuple(_verdict(m, o) for m, o in zip(chosen, outcomes)),
        recorded_calls=len(recording.calls), unstable_calls=len(recording.unstable), timeout_s=timeout_s, jobs=jobs,
        baseline_s=recording.duration_s, baseline_cpu_s=recording.cpu_s, mutants_s=round(mutants_s, 4),
        duration_s=round(time.monotonic() - started, 4))


