"""The cluster path's benchmark: the same class graded here and on Dask workers (`--cluster local:N`), at equal cores.

    .venv/bin/python bench/cluster_bench.py                               # hw2 and hw3, 200 each, 3 rounds
    .venv/bin/python bench/cluster_bench.py --assignment hw2 --n 60 --rounds 1 --threads 1,2

For each assignment, N copies of the reference are graded by `autograder.api.grade_batch`, each run in a
fresh Python process (as `autograder grade` runs), rounds interleaved (local, cluster, local, cluster...):

- local: one sandbox here, `--jobs` slots (default CPUs + 1, as `autograder grade`);
- cluster: `local:W` (`--workers`, default the CPUs), each worker with `--threads` slots, the same cores.

Each run reports its wall time and phases from the engine's callbacks and a wrapper around the run's
`Graders` (the engine is not edited): **ready** = call start to the graders entered (tests collected,
plan recorded, sandboxes or cluster started); **grading** = ready to the last result; **stop** = to the
graders closed (sandboxes, workers); **reports** = the rest. Per submission = grading / N. The cluster's
overhead per submission is its grading phase against the local one's; its start-up is a cost per run, said apart. It also times the scheduler's
own cost per task (`--tasks` no-op tasks on a fresh `local:W`) and projects, from the measured figures,
a class of `--project-n` submissions on `--project-workers` workers. Every run must give every submission
full marks (exit 1 otherwise). The load average is printed with each run: the machine may be shared.
Only public tools: time.perf_counter, os.getloadavg, subprocess, Dask's own client.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 1.15  # the cluster's grading time per submission, at most this times the local one's


def make_class(assignment: str, n: int, folder: Path) -> Path:
    """N copies of the reference, as `s0000.py`... (one folder each for an assignment of several files)."""
    from autograder.core.course import get_assignment

    a = get_assignment(assignment)
    folder.mkdir(parents=True)
    for i in range(n):
        if len(a.files) == 1:
            shutil.copyfile(a.reference_dir / a.files[0], folder / f"s{i:04d}.py")
        else:
            (folder / f"s{i:04d}").mkdir()
            for name in a.files:
                shutil.copyfile(a.reference_dir / name, folder / f"s{i:04d}" / name)
    return folder


class Timed:
    """A `scheduling.Cluster` that wraps another's (or this machine's) graders and notes when they are ready."""

    def __init__(self, inner, marks: dict):
        self.inner, self.marks = inner, marks

    def graders(self, assignment, sandboxing):
        marks, graders = self.marks, self.inner(assignment, sandboxing)

        class Wrapped:
            def __getattr__(self, name):
                return getattr(graders, name)

            def __enter__(self):
                graders.__enter__()
                marks["ready"] = time.perf_counter()
                return self

            def __exit__(self, *exc):
                self.close()

            def close(self):
                graders.close()
                marks.setdefault("closed", time.perf_counter())

        return Wrapped()


def run_one(spec: dict) -> dict:
    """One batch in this (fresh) process: its phases, and whether every submission got full marks."""
    from autograder.api import grade_batch
    from autograder.cluster.client import DaskCluster
    from autograder.grading.scheduling import LocalGraders, LocalScheduler

    marks: dict = {}
    if spec["mode"] == "local":
        inner = lambda a, s: LocalGraders(a, s, LocalScheduler(spec["jobs"]))  # noqa: E731
    else:
        inner = DaskCluster(workers=spec["workers"], threads=spec["threads"]).graders
    load = os.getloadavg()[0]
    start = time.perf_counter()
    batch = grade_batch(spec["assignment"], Path(spec["subs"]), Path(spec["out"]), cluster=Timed(inner, marks),
                        on_result=lambda r: marks.__setitem__("last", time.perf_counter()))
    end = time.perf_counter()
    wrong = sum(not (r.graded and r.score == r.max_score) for r in batch.results)
    return {"wall_s": end - start, "ready_s": marks["ready"] - start, "grading_s": marks["last"] - marks["ready"],
            "stop_s": marks["closed"] - marks["last"], "reports_s": end - marks["closed"], "wrong": wrong,
            "n": len(batch.results), "load": load}


def task_overhead(workers: int, tasks: int) -> dict:
    """The scheduler's cost per task: `tasks` no-op tasks on a fresh `local:workers`, sent at once, per task."""
    import operator

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.CRITICAL,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster, \
            Client(cluster) as client:
        client.gather(client.map(operator.neg, range(50)))  # warm
        start = time.perf_counter()
        client.gather(client.map(operator.neg, range(tasks), pure=False))
        return {"per_task_ms": 1000 * (time.perf_counter() - start) / tasks, "tasks": tasks}


def spawn(spec: dict) -> dict:
    """`spec` run by this script in a fresh interpreter; its JSON line."""
    done = subprocess.run([sys.executable, __file__, "--run-one", json.dumps(spec)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"a run failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(args, tmp: Path) -> dict:
    """Every run of every assignment, rounds interleaved: {assignment: {variant: [figures per round]}}."""
    runs: dict = {}
    variants = [("local", None)] + [("cluster", t) for t in args.threads]
    classes = {a: make_class(a, args.n, tmp / f"subs-{a}") for a in args.assignment}
    for round_ in range(args.rounds):
        for assignment, subs in classes.items():
            for mode, threads in variants:
                name = "local" if mode == "local" else f"local:{args.workers} x{threads}"
                out = tmp / f"out-{assignment}-{mode}-{threads}-{round_}"
                figures = spawn({"mode": mode, "assignment": assignment, "subs": str(subs), "out": str(out),
                                 "jobs": args.jobs, "workers": args.workers, "threads": threads})
                shutil.rmtree(out, ignore_errors=True)
                if figures["wrong"] or figures["n"] != args.n:
                    sys.exit(f"{assignment} {name}: {figures['wrong']} of {figures['n']} not full marks")
                runs.setdefault(assignment, {}).setdefault(name, []).append(figures)
                print(f"round {round_ + 1} {assignment:4} {name:14} wall {figures['wall_s']:6.2f} s  ready "
                      f"{figures['ready_s']:5.2f}  grading {figures['grading_s']:6.2f}  stop {figures['stop_s']:5.2f}  reports "
                      f"{figures['reports_s']:5.2f}"
                      f"  (load {figures['load']:.2f})", flush=True)
    return runs


def median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def report(args, runs: dict, overhead: dict) -> dict:
    """The table of medians, the overhead per submission, and the projection; returns every figure."""
    summary = {}
    print(f"\nmedians of {args.rounds} interleaved rounds, {args.n} submissions, {os.cpu_count()} CPUs")
    print(f"{'':5}{'variant':16}{'wall s':>8}{'ready s':>9}{'grading s':>11}{'stop s':>8}{'ms/sub':>8}{'x local':>9}")
    for assignment, variants in runs.items():
        base = median(variants["local"], "grading_s")
        for name, rows in variants.items():
            grading = median(rows, "grading_s")
            summary[f"{assignment} {name}"] = row = {
                "wall_s": median(rows, "wall_s"), "ready_s": median(rows, "ready_s"), "grading_s": grading,
                "stop_s": median(rows, "stop_s"),
                "ms_per_submission": 1000 * grading / args.n, "vs_local": grading / base}
            print(f"{assignment:5}{name:16}{row['wall_s']:8.2f}{row['ready_s']:9.2f}{grading:11.2f}{row['stop_s']:8.2f}"
                  f"{row['ms_per_submission']:8.1f}{row['vs_local']:9.2f}")
    print(f"\nscheduler: {overhead['per_task_ms']:.2f} ms per task ({overhead['tasks']} no-op tasks on "
          f"local:{args.workers})")
    summary["scheduler_ms_per_task"] = overhead["per_task_ms"]
    summary["projection"] = project(args, runs, overhead)
    return summary


def project(args, runs: dict, overhead: dict) -> dict:
    """`--project-n` submissions on `--project-workers` workers, each as fast as one of this run's (per core),
    the scheduler's cost per task paid in series, start-up and reports as measured here (reports scaled by N)."""
    from autograder.cluster.client import MAX_CHUNK

    result = {}
    n, workers = args.project_n, args.project_workers
    tasks = -(-n // MAX_CHUNK)
    for assignment, variants in runs.items():
        rows = variants[f"local:{args.workers} x{args.threads[-1]}"]
        per_core = args.n / median(rows, "grading_s") / args.workers  # submissions per second per worker
        grading = n / (per_core * workers)
        scheduler = tasks * overhead["per_task_ms"] / 1000
        start, stop = median(rows, "ready_s"), median(rows, "stop_s")
        after = median(rows, "reports_s") * n / args.n  # the reports grow with the class
        total = start + max(grading, scheduler) + stop + after
        result[assignment] = {"per_worker_per_s": per_core, "grading_s": grading, "scheduler_s": scheduler,
                              "start_s": start, "stop_s": stop, "reports_s": after, "total_s": total}
        print(f"projection {assignment}: {n} submissions on {workers} workers: {per_core:.1f} per second per worker "
              f"-> grading {grading:.0f} s, scheduler {scheduler:.1f} s for {tasks} tasks (overlapped), start "
              f"{start:.1f} s, stop {stop:.1f} s, reports ~{after:.0f} s: about {total / 60:.1f} min")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assignment", default="hw2,hw3", type=lambda s: s.split(","))
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=min(64, (os.cpu_count() or 1) + 1))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", default="2", type=lambda s: [int(t) for t in s.split(",")],
                        help="each worker's threads (slots); several: each a variant of its own")
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--project-n", type=int, default=10_000)
    parser.add_argument("--project-workers", type=int, default=20)
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        print(json.dumps(run_one(json.loads(args.run_one))))
        return
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="cluster-bench-") as tmp:
        runs = measure(args, Path(tmp))
    overhead = task_overhead(args.workers, args.tasks)
    summary = report(args, runs, overhead)
    print(f"load average after: {os.getloadavg()}")
    worst = max(v["vs_local"] for k, v in summary.items() if isinstance(v, dict) and "vs_local" in v)
    print(f"cluster grading per submission, worst: {worst:.2f} x local (goal: at most {GOAL})")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "summary": summary}, indent=1))


if __name__ == "__main__":
    main()
