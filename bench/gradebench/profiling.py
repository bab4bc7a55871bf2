"""`--profile`: where one submission's time goes, by public means only.

In one fresh process, after a warm-up batch: a serial batch (one slot, in this thread) of N submissions
through `autograder.api.grade_batch`, with the phases and, between its first result and its last, the wall
time and the grader's CPU per submission (`on_result`, `resource.getrusage`); a serial batch of one, whose
difference from it gives the children's CPU per submission; each result's `duration_s`; a cProfile of
another serial batch of N; a channel's life on its own (`grading.one.sandbox_for`, `Sandbox.channel`:
open, load the module, close); and the tests' calls, counted in process through `InProcess`'s `wrap`.
"""
from __future__ import annotations

import cProfile
import io
import pstats
import shutil
import statistics
import time
from pathlib import Path

from gradebench.classes import first_of_class
from gradebench.worker import ISOLATE, Clock, grade_options, usage, wrong

PACKAGES = {"autograder", "torch", "numpy", "pandas", "gradebench"}  # where cProfile's paths are cut


class SerialScheduler:
    """One slot, in the calling thread: cProfile sees the grading, and no two submissions overlap."""

    jobs = 1

    def map(self, fn, items):
        for item in items:
            yield fn(0, item)


def run_profile(spec: dict) -> dict:
    """Every figure of the profile, for `spec["profile_n"]` submissions of the class."""
    tmp, n = Path(spec["tmp"]) / f"profile-{spec['assignment']}", spec["profile_n"]
    one = first_of_class(Path(spec["subs"]), tmp / "class-1", 1)
    many = first_of_class(Path(spec["subs"]), tmp / "class-n", n)
    serial_batch(spec, one, tmp / "out-warm")  # not counted: it pays the grader's lazy imports (the reports')
    base, runs = serial_batch(spec, one, tmp / "out-1"), serial_batch(spec, many, tmp / "out-n")
    out = {"n": n, "single": base, "serial": runs, "children_cpu_ms": children_cpu_ms(base, runs, n),
           "cprofile": profiled(spec, many, tmp / "out-cprofile", n),
           "channel": channel_life(spec, many), "calls": calls_in_process(spec, many)}
    out["wrong"] = (base["wrong"] + runs["wrong"] + out["cprofile"].pop("wrong") + out["calls"]["wrong"]
                    + ([] if out["channel"]["all_loaded"] else ["a channel's first request did not load the module"]))
    return out


def serial_batch(spec: dict, subs: Path, out: Path, profiler: cProfile.Profile | None = None) -> dict:
    """One serial `grade_batch` of `subs`: wall, phases, CPU used meanwhile, each result's duration_s."""
    from autograder.api import grade_batch

    n = sum(1 for _ in subs.iterdir())
    before, clock = usage(), Clock()
    if profiler:
        profiler.enable()
    batch = grade_batch(spec["assignment"], subs, out, grade_options(spec, scheduler=SerialScheduler()),
                        on_start=clock.on_start, on_result=clock.on_result)
    if profiler:
        profiler.disable()
    end, after = time.perf_counter(), usage()
    shutil.rmtree(out, ignore_errors=True)
    durations = [1000 * r.duration_s for r in batch.results]
    return {"n": n, "wall_s": end - clock.t0, "phases": clock.phases(end), "steady": clock.steady(),
            "children_cpu_s": after["children_cpu_s"] - before["children_cpu_s"],
            "submission_ms": statistics.mean(durations[1:] or durations),  # the first pays lazy set-ups
            "wrong": wrong(batch.results, n)}


def children_cpu_ms(one: dict, many: dict, n: int) -> float | None:
    """The children's CPU for one more submission: (batch of N - batch of 1) / (N - 1). The zygote's start
    and stop, in both, cancel; the keepers' and submissions' CPU reaches RUSAGE_CHILDREN only as the
    zygote ends, so no finer split is possible from here."""
    return 1000 * (many["children_cpu_s"] - one["children_cpu_s"]) / (n - 1) if n > 1 else None


def profiled(spec: dict, subs: Path, out: Path, n: int) -> dict:
    """cProfile of a serial batch of `subs` (the grader's main thread): the top functions, per submission."""
    profiler = cProfile.Profile()
    bad = serial_batch(spec, subs, out, profiler)["wrong"]
    stats = pstats.Stats(profiler)
    rows = [{"function": _where(key), "calls": nc / n, "own_ms": 1000 * tt / n, "cum_ms": 1000 * ct / n}
            for key, (_cc, nc, tt, ct, _callers) in stats.stats.items()]
    text = io.StringIO()
    stats.stream = text
    stats.sort_stats("cumulative").print_stats(30)
    return {"by_own": sorted(rows, key=lambda r: -r["own_ms"])[:30],
            "by_cumulative": sorted(rows, key=lambda r: -r["cum_ms"])[:30], "listing": text.getvalue(), "wrong": bad}


def _where(key: tuple) -> str:
    """`package/module.py:line(function)` from cProfile's key, the path cut at the package it is in."""
    path, line, name = key
    if path == "~":
        return name  # a built-in
    parts = Path(path).parts
    tops = [i for i, part in enumerate(parts) if part in PACKAGES]
    return f"{'/'.join(parts[tops[-1]:]) if tops else parts[-1]}:{line}({name})"


def channel_life(spec: dict, subs: Path) -> dict:
    """A channel's life without any test, per submission: open it (the submission's folder written), its
    first request (`functions`: the keeper forks, the process confines itself and imports the module and
    the probes), and its close (the keeper ends the process; its output read, its folder removed)."""
    from autograder.core.course import get_assignment
    from autograder.grading.batch import prepare_all
    from autograder.grading.one import load_request, sandbox_for, workdir_files

    assignment = get_assignment(spec["assignment"])
    prepared = prepare_all(assignment, subs)
    rows = []
    with sandbox_for(assignment, notebooks=spec["format"] == "ipynb", isolate=ISOLATE[spec["isolate"]],
                     allow_partial=spec["isolate"] != "on") as sandbox:
        for p in prepared:
            t0 = time.perf_counter()
            with sandbox.channel(workdir_files(p), load_request(assignment, p), slot=0) as channel:
                t1 = time.perf_counter()
                loaded = "ok" in channel.request({"op": "functions"})
                t2 = time.perf_counter()
            rows.append({"open": t1 - t0, "load": t2 - t1, "close": time.perf_counter() - t2, "loaded": loaded})
    kept = rows[1:] or rows  # the first also starts the slot's keeper
    figures = {key: 1000 * statistics.median(r[key] for r in kept) for key in ("open", "load", "close")}
    return {**figures, "n": len(kept), "all_loaded": all(r["loaded"] for r in rows)}


class _Counted:
    """A channel that counts the requests the tests make through it (for `InProcess(wrap=...)`)."""

    def __init__(self, channel, counter: list[int]):
        self._channel, self._counter = channel, counter

    def request(self, message: dict, frame: bytes | None = None) -> dict:
        self._counter[0] += 1
        return self._channel.request(message, frame)

    def __getattr__(self, name):  # deadline, output, close: the channel's own
        return getattr(self._channel, name)


def calls_in_process(spec: dict, subs: Path) -> dict:
    """The tests' requests per submission (the load included), counted through `InProcess`'s `wrap`, and
    the in-process time per submission (the first left out: it pays the tests' lazy set-ups)."""
    from autograder.core.course import get_assignment
    from autograder.grading.batch import prepare_all
    from autograder.grading.collect import collect
    from autograder.grading.one import grade_one
    from autograder.grading.protocol import InProcess

    assignment = get_assignment(spec["assignment"])
    specs, prepared, counter = collect(assignment), prepare_all(assignment, subs), [0]
    opener = InProcess(wrap=lambda channel: _Counted(channel, counter))
    results, took = [], []
    for p in prepared:
        t0 = time.perf_counter()
        results.append(grade_one(assignment, specs, p, opener))
        took.append(time.perf_counter() - t0)
    return {"requests": counter[0] / len(prepared), "ms": 1000 * statistics.mean(took[1:] or took),
            "wrong": wrong(results, len(prepared))}
