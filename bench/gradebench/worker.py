"""What runs in each fresh worker process (the parent samples its memory): a batch, the floor, the gate.

    python bench/grade_bench.py --worker '{"mode": "batch", "assignment": "hw5", ...}'

Only the grader's public API: `autograder.api.grade_batch` with its `on_start`/`on_result` callbacks and
`GradeOptions`, `grading.one.grade_one` through `grading.protocol.InProcess` for the floor, and the
results' own fields (`duration_s`, `isolation`). The engine is not patched.
"""
from __future__ import annotations

import json
import resource
import statistics
import time
from pathlib import Path

ISOLATE = {"auto": None, "on": True, "off": False}  # --isolate: GradeOptions.isolate


def main(spec: dict) -> int:
    """Run the measurement `spec["mode"]` names and write its figures, as JSON, to `spec["result"]`."""
    from gradebench.profiling import run_profile

    modes = {"batch": run_batch, "floor": run_floor, "gate": run_gate, "profile": run_profile}
    Path(spec["result"]).write_text(json.dumps(modes[spec["mode"]](spec)))
    return 0


def grade_options(spec: dict, **more):
    """`GradeOptions` as `--jobs` and `--isolate` ask: `auto` takes what the machine allows, partial isolation
    included (these are copies of the reference: trusted code), `on` refuses anything short of full."""
    from autograder.api import GradeOptions

    return GradeOptions(**{"jobs": spec["jobs"], "isolate": ISOLATE[spec["isolate"]],
                           "allow_partial": spec["isolate"] != "on", **more})


def usage() -> dict:
    """CPU and peak RSS so far of this process (the grader) and of its waited-for descendants (the zygote,
    whose own waits fold in its keepers' and so the submissions' processes)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"self_maxrss_mb": me.ru_maxrss / 1024, "children_maxrss_mb": kids.ru_maxrss / 1024,
            "self_cpu_s": me.ru_utime + me.ru_stime, "children_cpu_s": kids.ru_utime + kids.ru_stime}


class Clock:
    """A batch's phases from the API's callbacks: `on_start` (tests collected, submissions read, saved results
    checked) and `on_result` (each result as it is saved), with each result's own `duration_s`."""

    def __init__(self):
        self.t0 = time.perf_counter()
        self.started = self.t0
        self.reused = 0
        self.results: list[tuple[float, float, float]] = []  # (when it arrived, its duration_s, the grader's CPU)

    def on_start(self, todo: int, done: int) -> None:
        self.started, self.reused = time.perf_counter(), done

    def on_result(self, result) -> None:
        me = resource.getrusage(resource.RUSAGE_SELF)
        self.results.append((time.perf_counter(), result.duration_s, me.ru_utime + me.ru_stime))

    def phases(self, end: float) -> dict:
        """collect | start-up | grading | finish, in seconds (see bench/README.md); the first submission's
        grading began at the earliest (arrival - duration_s) of any result."""
        first = min((t - d for t, d, _ in self.results), default=self.started)
        last = max((t for t, _, _ in self.results), default=first)
        return {"collect": self.started - self.t0, "startup": first - self.started, "grading": last - first,
                "finish": end - last}

    def steady(self) -> dict | None:
        """Per submission between the first result and the last (ms): wall, and the grader's CPU."""
        if len(self.results) < 2:
            return None
        (t0, _, cpu0), (t1, _, cpu1), k = self.results[0], self.results[-1], len(self.results) - 1
        return {"wall_ms": 1000 * (t1 - t0) / k, "grader_cpu_ms": 1000 * (cpu1 - cpu0) / k}


def wrong(results, n: int) -> list[str]:
    """The results that are not full marks with every test passed (and a note if some are missing)."""
    bad = [f"{r.student_id} ({r.status}: {r.score:g}/{r.max_score:g})" for r in results
           if not r.graded or abs(r.score - r.max_score) > 1e-9 or r.max_score <= 0
           or any(o.outcome != "passed" for o in r.outcomes)]
    if len(results) != n:
        bad.append(f"{len(results)} results for {n} submissions")
    return bad


def durations_ms(results) -> dict:
    """Each submission's wall time as `grade_one` measured it (`duration_s`), in ms: median, mean, max."""
    ms = [1000 * r.duration_s for r in results] or [0.0]
    return {"median": statistics.median(ms), "mean": statistics.mean(ms), "max": max(ms)}


def class_shape(name: str) -> dict:
    """Tests per submission and their parameter cases (collected again, after the timed run)."""
    from autograder.core.course import get_assignment
    from autograder.grading.collect import collect

    specs = collect(get_assignment(name))
    return {"tests": len(specs), "cases": sum(len(s.cases) for s in specs)}


def run_batch(spec: dict) -> dict:
    """`grade_batch` as `autograder grade` runs it, into a fresh output folder, timed from outside and by phase."""
    from autograder.api import grade_batch

    clock = Clock()
    batch = grade_batch(spec["assignment"], Path(spec["subs"]), Path(spec["out"]), grade_options(spec),
                        on_start=clock.on_start, on_result=clock.on_result)
    end = time.perf_counter()
    reused = [f"{batch.reused} results reused from the output folder"] if batch.reused else []
    return {"wall_s": end - clock.t0, "engine_seconds": batch.seconds, "phases": clock.phases(end),
            "isolation": sorted({r.isolation for r in batch.results}), "warning": batch.isolation_warning,
            "submission_ms": durations_ms(batch.results), "wrong": wrong(batch.results, spec["n"]) + reused,
            **class_shape(spec["assignment"]), **usage()}


def run_floor(spec: dict) -> dict:
    """The same tests on the same submissions in this process, no isolation: what isolation is measured
    against. The tests are collected and the submissions read before the timer starts."""
    from autograder.core.course import get_assignment
    from autograder.grading.batch import prepare_all
    from autograder.grading.collect import collect
    from autograder.grading.one import grade_one
    from autograder.grading.protocol import InProcess

    assignment = get_assignment(spec["assignment"])
    specs, prepared = collect(assignment), prepare_all(assignment, Path(spec["subs"]))
    t0 = time.perf_counter()
    results = [grade_one(assignment, specs, p, InProcess()) for p in prepared]
    return {"wall_s": time.perf_counter() - t0, "wrong": wrong(results, spec["n"]), **usage()}


def run_gate(spec: dict) -> dict:
    """Whether the reference gets full marks in-process (for `--assignment all`): '' if so, else why not."""
    from autograder.api import check
    from autograder.core.course import get_assignment

    assignment = get_assignment(spec["assignment"])
    r = check(assignment.name, assignment.reference_dir, hidden=True, isolated=False)
    if not wrong([r], 1):
        return {"why": ""}
    return {"why": f"the reference gets {r.score:g}/{r.max_score:g} ({r.status}){': ' * bool(r.message)}{r.message}"[:200]}
