"""The parent's side of a benchmark: the yardstick, and each measurement in a fresh worker process whose
process tree it samples meanwhile (see `memory`)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from gradebench.classes import build_class
from gradebench.memory import TreeSampler
from gradebench.summary import summarise

SCRIPT = Path(__file__).resolve().parent.parent / "grade_bench.py"  # runs `worker.main` with --worker


def torch_import_seconds(runs: int = 3) -> list[float]:
    """Wall time of `python -c "import torch"` with this interpreter, in `runs` fresh processes."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch"], check=True)
        times.append(time.perf_counter() - start)
    return times


def run_worker(spec: dict, pss_interval: float | None) -> dict:
    """One measurement in a fresh Python process: its own figures, plus (unless `pss_interval` is None)
    the memory of its tree and its wall time from start to exit as seen from here."""
    result_path = Path(spec["tmp"]) / f"result-{spec['mode']}-{time.monotonic_ns()}.json"
    spec = {**spec, "result": str(result_path)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(SCRIPT), "--worker", json.dumps(spec)])
    sampler = TreeSampler(proc.pid, 0.05, pss_interval) if pss_interval is not None else None
    if sampler:
        with sampler:
            code = proc.wait()
    else:
        code = proc.wait()
    process_s = time.perf_counter() - start
    if code != 0 or not result_path.exists():
        raise SystemExit(f"the {spec['mode']} worker for {spec['assignment']} failed (exit {code})")
    out = json.loads(result_path.read_text())
    result_path.unlink()
    return {**out, "process_s": process_s, **(sampler.figures() if sampler else {})}


def reference_passes(name: str, tmp: Path) -> str:
    """'' if the reference gets full marks in-process (the gate of `--assignment all`), else why not."""
    return run_worker({"mode": "gate", "assignment": name, "tmp": str(tmp)}, None)["why"]


def bench_assignment(name: str, args, torch_s: float | None, tmp: Path) -> dict:
    """Every measurement of one assignment (batches, floors, the profile), folded into its summary."""
    from autograder.core.course import get_assignment

    subs = build_class(get_assignment(name), tmp / f"subs-{name}", args.n, args.format)
    base = {"assignment": name, "subs": str(subs), "tmp": str(tmp), "jobs": args.jobs, "isolate": args.isolate,
            "n": args.n, "format": args.format}
    batches = []
    for k in range(args.repeat):
        out = tmp / f"out-{name}-{k}"
        batches.append(run_worker({**base, "mode": "batch", "out": str(out)}, args.pss_interval))
        shutil.rmtree(out, ignore_errors=True)
    floors = [] if args.no_floor else [run_worker({**base, "mode": "floor"}, args.pss_interval)
                                       for _ in range(args.repeat)]
    profile = None
    if args.profile:
        profile = run_worker({**base, "mode": "profile", "profile_n": min(args.n, args.profile_n)}, None)
    return summarise(name, args, torch_s, batches, floors, profile)


def load_average() -> float:
    """The 1-minute load average: other work on the machine skews every figure."""
    return os.getloadavg()[0]
