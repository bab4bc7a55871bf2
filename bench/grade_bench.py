"""The grader's benchmark: a class of correct submissions, graded by the real engine, timed and weighed.

    .venv/bin/python bench/grade_bench.py --assignment hw5 --n 200 --jobs 3
    .venv/bin/python bench/grade_bench.py --assignment all --n 20 --profile
    AUTOGRADER_COURSE=/tmp/toy .venv/bin/python bench/grade_bench.py --assignment toy --n 200

For each assignment it measures, in this order:

1. one fresh `python -c "import torch"` with this interpreter (median of 3): the yardstick;
2. N copies of the reference as `<id>.py` submissions in a temporary folder;
3. `autograder.grading.batch.grade_batch` on them, in a fresh Python process per repeat (as
   `autograder grade` would run), timing the whole call (collection, zygote start-up, grading,
   reports) while this process samples the memory of that process and all its descendants
   (the grader, the zygote and the students' processes) every 50 ms from /proc;
4. the in-process floor: the same tests on the same submissions with no isolation
   (`autograder.grading.one.grade_one` through `InProcess`, specs collected once, outside the timer);
5. that every submission got full marks in both (exit 1 otherwise: a benchmark of wrong results is worthless);

and prints a table and one JSON line. `--repeat K` reports medians over K runs; `--profile`
adds a per-submission breakdown (fork and confinement, module import, calls, IPC, test code).
Only public tools are used: time.perf_counter, resource.getrusage, /proc.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

MB = 2**20
TARGET_RATIO = 4.0
TARGET_MEMORY_MB = 1024
PAGE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------------------------------------
# Memory of a process tree, sampled from /proc
# ---------------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    kids.extend(int(c) for c in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return kids


def _tree(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(_children(pid))
    return pids


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


class TreeSampler:
    """Peak of the summed RSS (every `interval` s) and PSS (every `pss_interval` s) of `root` and its descendants.

    RSS counts a shared page once in every process that maps it, so the sum overstates what the
    machine spends on forked children (they share the zygote's torch pages); PSS splits each shared
    page among its sharers, so the sum of PSS is the memory the tree really holds.
    """

    def __init__(self, root: int, interval: float = 0.05, pss_interval: float = 0.5):
        self.root, self.interval, self.pss_interval = root, interval, pss_interval
        self.peak_rss = self.peak_pss = 0
        self.peak_rss_parts: dict[str, int] = {}
        self.max_procs = 0
        self.samples = 0
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
            pids = _tree(self.root)
            sizes = {pid: _rss(pid) for pid in pids}
            total = sum(sizes.values())
            self.samples += 1
            self.max_procs = max(self.max_procs, len([s for s in sizes.values() if s]))
            if total > self.peak_rss:
                self.peak_rss = total
                self.peak_rss_parts = self._parts(sizes)
            now = time.monotonic()
            if self.pss_interval > 0 and now >= next_pss:
                self.peak_pss = max(self.peak_pss, sum(_pss(pid) for pid in pids))
                next_pss = now + self.pss_interval
            if self._stop.wait(self.interval):
                return

    def _parts(self, sizes: dict[int, int]) -> dict[str, int]:
        """The peak sample split into the grader (root), the zygote (its child) and the students (the rest)."""
        parts = {"grader": sizes.get(self.root, 0), "zygote": 0, "students": 0}
        zygotes = set(_children(self.root))
        for pid, size in sizes.items():
            if pid == self.root:
                continue
            parts["zygote" if pid in zygotes else "students"] += size
        return parts


# ---------------------------------------------------------------------------------------------
# The parent: yardstick, submissions, workers, checks, report
# ---------------------------------------------------------------------------------------------
def torch_import_seconds(runs: int = 3) -> list[float]:
    """Wall time of `python -c "import torch"` (this interpreter), `runs` fresh processes."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch"], check=True)
        times.append(time.perf_counter() - start)
    return times


def reference_files(assignment, fmt: str) -> list[Path]:
    """The reference's files as a student hands them in: the `.py` files, or their `.ipynb` twins."""
    return [assignment.reference_dir / (Path(f).stem + ".ipynb" if fmt == "ipynb" else f) for f in assignment.files]


def build_submissions(assignment, folder: Path, n: int, fmt: str = "py") -> Path:
    """N copies of the reference: `<id>.py` (or `.ipynb`) for a one-file assignment, `<id>/` folders otherwise."""
    folder.mkdir(parents=True)
    files = reference_files(assignment, fmt)
    for i in range(n):
        sid = f"s{i:04d}"
        if len(files) == 1:
            shutil.copyfile(files[0], folder / f"{sid}{files[0].suffix}")
        else:
            (folder / sid).mkdir()
            for path in files:
                shutil.copyfile(path, folder / sid / path.name)
    return folder


def run_worker(spec: dict, sample: bool, pss_interval: float) -> dict:
    """Run one measurement in a fresh Python process; its own figures plus the sampled memory of its tree."""
    result_path = Path(spec["tmp"]) / f"result-{spec['mode']}-{time.monotonic_ns()}.json"
    spec = {**spec, "result": str(result_path)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)])
    sampler = TreeSampler(proc.pid, 0.05, pss_interval) if sample else None
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
    out["process_s"] = process_s
    if sampler:
        out["peak_rss_sum_mb"] = sampler.peak_rss / MB
        out["peak_pss_sum_mb"] = sampler.peak_pss / MB if pss_interval > 0 else None
        out["peak_rss_parts_mb"] = {k: v / MB for k, v in sampler.peak_rss_parts.items()}
        out["max_processes"] = sampler.max_procs
        out["samples"] = sampler.samples
    return out


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def bench_assignment(name: str, args, torch_s: float, tmp: Path) -> dict:
    from autograder.core.course import get_assignment

    assignment = get_assignment(name)
    subs = build_submissions(assignment, tmp / f"subs-{name}", args.n, args.format)
    base = {"assignment": name, "subs": str(subs), "tmp": str(tmp), "jobs": args.jobs, "isolate": args.isolate,
            "n": args.n, "format": args.format, "what_if": args.what_if}
    batches = []
    for k in range(args.repeat):
        out = run_worker({**base, "mode": "batch", "out": str(tmp / f"out-{name}-{k}")}, True, args.pss_interval)
        batches.append(out)
        shutil.rmtree(tmp / f"out-{name}-{k}", ignore_errors=True)
    floors = [] if args.no_floor else [run_worker({**base, "mode": "floor"}, True, args.pss_interval)
                                       for _ in range(args.repeat)]
    profile = None
    if args.profile:
        profile = run_worker({**base, "mode": "profile", "out": str(tmp / f"out-{name}-profile"),
                              "profile_n": min(args.n, args.profile_n), "cprofile": args.cprofile}, False, 0)
    wrong = sorted({w for b in batches + floors + ([profile] if profile else []) for w in b["wrong"]})
    wall = median([b["wall_s"] for b in batches])
    summary = {
        "assignment": name, "format": args.format, "n": args.n, "jobs": args.jobs, "repeat": args.repeat,
        "what_if": args.what_if,
        "isolation": batches[0]["isolation"], "isolation_warning": batches[0]["warning"],
        "tests": batches[0]["tests"], "cases": batches[0]["cases"],
        "torch_import_s": torch_s,
        "batch_wall_s": wall, "batch_walls_s": [round(b["wall_s"], 3) for b in batches],
        "ratio_to_torch_import": wall / torch_s,
        "submissions_per_s": args.n / wall,
        "phases_s": {k: median([b["phases"][k] for b in batches]) for k in batches[0]["phases"]},
        "grading_ms_per_submission": 1000 * median([b["phases"]["grading"] for b in batches]) / args.n,
        "process_s": median([b["process_s"] for b in batches]),
        "peak_rss_sum_mb": median([b["peak_rss_sum_mb"] for b in batches]),
        "peak_pss_sum_mb": median([b["peak_pss_sum_mb"] for b in batches]),
        "peak_rss_parts_mb": batches[len(batches) // 2]["peak_rss_parts_mb"],
        "grader_maxrss_mb": median([b["self_maxrss_mb"] for b in batches]),
        "largest_child_maxrss_mb": median([b["children_maxrss_mb"] for b in batches]),
        "grader_cpu_s": median([b["self_cpu_s"] for b in batches]),
        "children_cpu_s": median([b["children_cpu_s"] for b in batches]),
        "max_processes": max(b["max_processes"] for b in batches),
        "floor_s": median([f["wall_s"] for f in floors]) if floors else None,
        "floor_ms_per_submission": 1000 * median([f["wall_s"] for f in floors]) / args.n if floors else None,
        "floor_maxrss_mb": median([f["self_maxrss_mb"] for f in floors]) if floors else None,
        "full_marks": not wrong, "wrong": wrong[:10],
    }
    if floors:
        summary["isolation_overhead_ms_per_submission"] = (
            1000 * (median([b["phases"]["grading"] for b in batches]) * args.jobs - summary["floor_s"]) / args.n)
    memory = summary["peak_pss_sum_mb"] or summary["peak_rss_sum_mb"]
    summary["target_met"] = bool(summary["ratio_to_torch_import"] < TARGET_RATIO and memory < TARGET_MEMORY_MB)
    if profile:
        summary["profile"] = profile
    return summary


def _fmt(value, unit="", digits=2):
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def print_table(s: dict) -> None:
    p = s["phases_s"]
    rows = [
        ("isolation", s["isolation"]),
        ("tests / cases per submission", f"{s['tests']} / {s['cases']}"),
        ("fresh `import torch` (median of 3)", _fmt(s["torch_import_s"], " s")),
        (f"batch wall, grade_batch (median of {s['repeat']})", _fmt(s["batch_wall_s"], " s") +
         f"   runs: {', '.join(f'{w:.2f}' for w in s['batch_walls_s'])}"),
        ("  collect tests + read submissions", _fmt(p["collect"], " s")),
        ("  zygote start (python, numpy, torch)", _fmt(p["zygote_start"], " s")),
        ("  grading (both ready .. last result)", _fmt(p["grading"], " s") +
         f"   = {s['grading_ms_per_submission']:.1f} ms per submission at jobs={s['jobs']}"),
        ("  zygote stop + cleanup", _fmt(p["stop"], " s")),
        ("  reports (csv, feedback, html + plots)", _fmt(p["reports"], " s")),
        ("batch / fresh torch import", _fmt(s["ratio_to_torch_import"], "x") + f"   (target < {TARGET_RATIO:g}x)"),
        ("submissions per second", _fmt(s["submissions_per_s"], "", 1)),
        ("whole process (start .. exit)", _fmt(s["process_s"], " s")),
        ("in-process floor, no isolation", _fmt(s["floor_s"], " s") +
         (f"   = {s['floor_ms_per_submission']:.1f} ms per submission" if s["floor_s"] else "")),
        ("isolation cost per submission", _fmt(s.get("isolation_overhead_ms_per_submission"), " ms", 1) +
         "   (grading x jobs - floor) / N"),
        ("peak PSS sum, whole tree (0.5 s)", _fmt(s["peak_pss_sum_mb"], " MB", 0) +
         f"   (target < {TARGET_MEMORY_MB} MB)"),
        ("peak RSS sum, whole tree (50 ms)", _fmt(s["peak_rss_sum_mb"], " MB", 0) + "   " +
         ", ".join(f"{k} {v:.0f}" for k, v in s["peak_rss_parts_mb"].items())),
        ("grader ru_maxrss (RUSAGE_SELF)", _fmt(s["grader_maxrss_mb"], " MB", 0)),
        ("largest child ru_maxrss (RUSAGE_CHILDREN)", _fmt(s["largest_child_maxrss_mb"], " MB", 0)),
        ("CPU: grader / zygote + students", f"{s['grader_cpu_s']:.2f} s / {s['children_cpu_s']:.2f} s"),
        ("processes at once (max)", str(s["max_processes"])),
        ("every submission full marks", "yes" if s["full_marks"] else f"NO: {', '.join(s['wrong'])}"),
        ("target met", "yes" if s["target_met"] else "no"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n== {s['assignment']}: N={s['n']} ({s['format']}), jobs={s['jobs']}")
    for name in s["what_if"]:
        print(f"  WHAT-IF {name}: {WHAT_IFS[name]}")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    if s["isolation_warning"]:
        print(f"  ({s['isolation_warning']})")
    if "profile" in s:
        print_profile(s["profile"])


def print_profile(p: dict) -> None:
    per = p["per_submission_ms"]
    total = per["total"]
    print(f"\n  per-submission breakdown, jobs=1, mean of {p['n']} submissions (ms):")
    labels = [
        ("prepare", "work folder, files, chown"),
        ("spawn", "ask the zygote to fork (grader side)"),
        ("load", "first request: confine + import the module + probes"),
        ("calls", f"{per['requests']:.0f} calls/probes (answers sent ahead, or round trips)"),
        ("calls_json", "  of which grader-side frame dumps/loads"),
        ("wire", "grader-side to_wire(args) / from_wire(reply)"),
        ("tests", "grader-side test code (oracles, asserts)"),
        ("close", "kill the process group + slot sweep"),
        ("cleanup", "read output, remove folder"),
    ]
    for key, what in labels:
        share = 100 * per[key] / total if total else 0
        print(f"    {per[key]:8.2f}  {share:5.1f}%  {key:<11} {what}")
    print(f"    {total:8.2f}  100.0%  total       Sandbox.grade")
    print(f"    {per['grader_cpu']:8.2f}          grader CPU (time.process_time) during that total")
    c = p.get("confined")
    if c:
        print(f"  measured inside the confined child (cold, forked from the zygote; mean of {c['n']}):")
        print(f"    {c['load_ms']:8.2f}  import the module + probes")
        print(f"    {c['calls_ms']:8.2f}  serving the {per['requests']:.0f} calls (the student's code + its side's wire code)")
        rt = per["calls"] - c["calls_ms"]
        print(f"    {rt:8.2f}  => calls minus serving: waiting, IPC, both sides' framing (negative: answers were ready) "
              f"({rt / max(per['requests'], 1) * 1000:.0f} us per call)")
        print(f"    {c['cpu_ms']:8.2f}  CPU of the child from fork to its last reply ({c['minflt']:.0f} page faults)")
        print(f"    {sum(c['gc_ms']):8.2f}  in the garbage collector: {c['gc_n'][0]:.1f} / {c['gc_n'][1]:.1f} / "
              f"{c['gc_n'][2]:.1f} collections of generation 0 / 1 / 2 ({c['gc_ms'][2]:.1f} ms in generation 2)")
        groups = ", ".join(f"{k} {v:.0f}" for k, v in c["groups"]) or "none"
        print(f"    {c['new_modules']:8.0f}  modules first imported in the child: {groups}")
        slow = ", ".join(f"{k} {v:.1f} ms" for k, v in c["slow"])
        print(f"              slowest requests served: {slow}")
    c = p.get("child")
    if c:
        print(f"  student side, same code run in-process (warm, mean of {c['n']}):")
        print(f"    {c['load_ms']:8.2f}  import the module + probes (in-process)")
        print(f"    {c['calls_ms']:8.2f}  the student's functions for all calls, incl. its side's wire code")
        rt = per["calls"] - per["calls_json"]
        print(f"    {rt - c['calls_ms']:8.2f}  => IPC latency + cold-process cost of the calls "
              f"({(rt - c['calls_ms']) / max(per['requests'], 1) * 1000:.0f} us per round trip)")
    f = p.get("fork")
    if f:
        a, g = f["as_is"], f["gc_freeze"]
        print(f"  fork + confine measured directly (median of {f['runs']}, a torch-sized process, "
              f"isolated={f['isolated']}, {f['mounts']} binds), ms:   as is   after gc.freeze()")
        rows = [("os.fork() returns in the parent", "fork"), ("fork until the child runs", "to_child"),
                ("confine.enter, all of it", "enter"), ("  unshare(NEWNS|NEWNET|NEWIPC|NEWUTS)", "unshare"),
                ("  building the root (mounts, chroot)", "build_root"),
                ("  of which mount(2) calls", "mount"),
                ("first import of the module + probes", "load"), ("page faults in confine.enter", "faults_enter"),
                ("page faults in the first import", "faults_load"), ("then one gc.collect()", "gc_collect")]
        for label, key in rows:
            digits = 0 if "faults" in key else 2
            print(f"    {label:<40} {a[key]:9.{digits}f} {g[key]:9.{digits}f}")
    tests = p.get("tests_ms", [])
    if tests:
        print("  slowest tests (mean ms per submission: total = round trips + grader side; calls):")
        for t in tests[:8]:
            print(f"    {t['total']:8.2f} = {t['requests_ms']:7.2f} + {t['total'] - t['requests_ms']:7.2f}  "
                  f"{t['requests']:4.0f}  {t['test']}")
    if p.get("cprofile"):
        print("  cProfile of the profile run (grader side, serial; includes the benchmark's own timers):")
        print("\n".join("    " + line for line in p["cprofile"].splitlines()))


def resolve_assignments(spec: str, fmt: str) -> list[tuple[str, str]]:
    """(name, '' or why it is skipped) for 'all' or a comma-separated list."""
    from autograder.core.course import get_assignment, list_assignments

    assignments = list_assignments() if spec == "all" else [get_assignment(name) for name in spec.split(",")]
    out = []
    for a in assignments:
        missing = [p.name for p in reference_files(a, fmt) if not p.is_file()]
        out.append((a.name, f"no reference {', '.join(missing)}" if missing else ""))
    return out


def reference_passes(name: str) -> str:
    """'' if the reference gets full marks in-process (quick gate for --assignment all), else why not."""
    code = ("import sys\nfrom autograder.api import check\nfrom autograder.core.course import get_assignment\n"
            "a = get_assignment(sys.argv[1])\n"
            "r = check(a.name, a.reference_dir, hidden=True, isolated=False)\n"
            "ok = r.status == 'graded' and all(o.outcome == 'passed' for o in r.outcomes)\n"
            "print('' if ok else f'{r.status}: {r.score:g}/{r.max_score:g} {r.message}'[:200])\n")
    proc = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True)
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or ["failed"])[-1][:200]
    return proc.stdout.strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", help="a name, a comma-separated list, or 'all'")
    parser.add_argument("--n", type=int, default=200, help="submissions (copies of the reference)")
    parser.add_argument("--jobs", type=int, default=min(64, (os.cpu_count() or 1) + 1),
                        help="submissions graded at once (default: CPUs + 1, as autograder grade)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the batch (and of the floor); medians")
    parser.add_argument("--format", choices=("py", "ipynb"), default="py",
                        help="hand in the reference's .py files (default) or their .ipynb twins")
    parser.add_argument("--isolate", choices=("auto", "on", "off"), default="auto",
                        help="auto: what the machine allows (the default of `autograder grade`)")
    parser.add_argument("--what-if", default="",
                        help="comma-separated engine variants to try, without editing the engine: " +
                        "; ".join(f"{k}: {v}" for k, v in WHAT_IFS.items()))
    parser.add_argument("--no-floor", action="store_true", help="skip the in-process floor")
    parser.add_argument("--profile", action="store_true", help="add the per-submission breakdown")
    parser.add_argument("--profile-n", type=int, default=30, help="submissions in the profile run")
    parser.add_argument("--cprofile", action="store_true", help="with --profile: cProfile the grader side too")
    parser.add_argument("--pss-interval", type=float, default=0.5,
                        help="seconds between PSS samples (reading smaps_rollup costs ~2 ms a process); 0: off")
    parser.add_argument("--json", type=Path, help="also write the summaries to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(json.loads(args.worker))
    if not args.assignment:
        parser.error("--assignment is required")
    args.what_if = sorted(filter(None, args.what_if.split(",")))
    unknown = set(args.what_if) - set(WHAT_IFS)
    if unknown:
        parser.error(f"unknown --what-if {', '.join(sorted(unknown))}; known: {', '.join(WHAT_IFS)}")
    if args.n < 1 or args.jobs < 1 or args.repeat < 1:
        parser.error("--n, --jobs and --repeat must be at least 1")

    from autograder.core.errors import AutograderError

    try:
        names = resolve_assignments(args.assignment, args.format)
    except AutograderError as exc:
        parser.error(str(exc))
    load_before = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load_before:.2f} (other work on the machine skews every figure)")
    times = torch_import_seconds(3)
    torch_s = statistics.median(times)
    print(f"fresh `python -c 'import torch'`: {', '.join(f'{t:.2f}' for t in times)} s -> median {torch_s:.2f} s",
          flush=True)
    summaries, failed, skipped = [], False, []
    with tempfile.TemporaryDirectory(prefix="grade-bench-") as tmp:
        for name, why in names:
            if not why and args.assignment == "all":
                why = reference_passes(name)
            if why:
                skipped.append((name, why))
                print(f"\n== {name}: skipped ({why})", flush=True)
                continue
            summary = bench_assignment(name, args, torch_s, Path(tmp))
            print_table(summary)
            summaries.append(summary)
            failed |= not summary["full_marks"]
    if len(summaries) > 1:
        print("\nper assignment (grading phase per submission, jobs=%d):" % args.jobs)
        for s in sorted(summaries, key=lambda s: -s["grading_ms_per_submission"]):
            per_sub = s.get("profile", {}).get("per_submission_ms", {}).get("total")
            print(f"  {s['assignment']:<6} {s['grading_ms_per_submission']:7.1f} ms  floor "
                  f"{_fmt(s['floor_ms_per_submission'], ' ms', 1):>9}  jobs=1 profile {_fmt(per_sub, ' ms', 1):>9}"
                  f"  {s['tests']} tests, {s['cases']} cases")
        print(f"  largest: {max(summaries, key=lambda s: s['grading_ms_per_submission'])['assignment']}")
    load_after = os.getloadavg()[0]
    for s in summaries:
        s["load_avg_before_after"] = [round(load_before, 2), round(load_after, 2)]
    for s in summaries:
        line = {k: v for k, v in s.items() if k not in ("profile", "peak_rss_parts_mb", "wrong", "isolation_warning")}
        line = {k: round(v, 4) if isinstance(v, float) else v for k, v in line.items()}
        line["phases_s"] = {k: round(v, 3) for k, v in s["phases_s"].items()}
        print(json.dumps(line, separators=(",", ":")))
    if args.json:
        args.json.write_text(json.dumps({"summaries": summaries, "skipped": skipped}, indent=1))
    if failed:
        print("FAILED: not every submission got full marks", file=sys.stderr)
        return 1
    if not summaries:
        print("FAILED: nothing was benchmarked", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------------------------------
# Zygote variants: the real zygote, started through a wrapper that adds diagnostics or a what-if
# ---------------------------------------------------------------------------------------------
WHAT_IFS = {
    "pin": "each slot's grader thread and its student process share one CPU (slot number modulo the CPUs): no cross-CPU wake-ups",
}

# Runs `autograder.isolation.zygote.main()` itself: same warm-up, protocol, fork and confinement; only what
# OPTIONS asks for is added. `python -I -c CODE FD [preload...]` gives main() the same argv[1:].
ZYGOTE_CODE = r"""
import gc, json, os, signal, sys, time, resource
OPTIONS = set(%r)
import autograder.isolation.zygote as z
if "diag" in OPTIONS:
    from autograder.isolation import child as _child
    _handle, _st = _child.Session.handle, {}

    def _gc(phase, info):
        if phase == "start":
            _st["gc_t"] = time.perf_counter()
        elif "gc_t" in _st:
            g = info["generation"]
            _st["gc_n"][g] += 1
            _st["gc_s"][g] += time.perf_counter() - _st.pop("gc_t")

    def _timed_handle(self, request):
        if not _st:
            _st.update(modules=set(sys.modules), busy={}, n=0, gc_n=[0, 0, 0], gc_s=[0.0, 0.0, 0.0], slow=[])
            gc.callbacks.append(_gc)
        t = time.perf_counter()
        try:
            return _handle(self, request)
        finally:
            took = time.perf_counter() - t
            op = "load" if request.get("op") == "functions" else "calls"
            _st["busy"][op] = _st["busy"].get(op, 0.0) + took
            _st["n"] += 1
            _st["slow"] = sorted(_st["slow"] + [[took, str(request.get("name", request.get("op")))]])[-3:]
            ru = resource.getrusage(resource.RUSAGE_SELF)
            new = [m for m in sys.modules if m not in _st["modules"]]
            groups = {}
            for m in new:
                key = ".".join(m.split(".")[:2])
                groups[key] = groups.get(key, 0) + 1
            diag = {"busy": _st["busy"], "n": _st["n"], "cpu": ru.ru_utime + ru.ru_stime, "minflt": ru.ru_minflt,
                    "gc_n": _st["gc_n"], "gc_s": _st["gc_s"], "new_modules": len(new),
                    "groups": sorted(groups.items(), key=lambda kv: -kv[1])[:5], "slow": _st["slow"]}
            if "fd" in _out:
                data = json.dumps(diag).encode()
                os.pwrite(_out["fd"], data, 0)
                os.ftruncate(_out["fd"], len(data))

    # The child opens the diagnostics file in the grader's work folder before it confines itself,
    # and keeps that one descriptor open through the confinement.
    from autograder.isolation import confine as _confine
    _enter, _clean_fds, _out = _confine.enter, _confine._clean_fds, {}

    def _enter_keeping_diag(request, chan_fd, out_fd):
        path = os.path.join(request["workdir"], ".bench-diag.json")
        _out["fd"] = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        _enter(request, chan_fd, out_fd)

    def _clean_fds_keeping_diag(keep):
        _clean_fds(tuple(keep) + ((_out["fd"],) if "fd" in _out else ()))

    _confine.enter, _confine._clean_fds = _enter_keeping_diag, _clean_fds_keeping_diag
    _child.Session.handle = _timed_handle
if "pin" in OPTIONS:
    _enter_pinned = z.confine.enter

    def _pinned(request, chan_fd, out_fd):
        if request.get("cpu") is not None:
            os.sched_setaffinity(0, {request["cpu"]})
        _enter_pinned(request, chan_fd, out_fd)

    z.confine.enter = _pinned
z.main()
"""


def use_zygote_variant(options: set[str]) -> None:
    """Make the Sandbox start the zygote through ZYGOTE_CODE with `options` (in this worker process only)."""
    if not options:
        return
    real_popen = subprocess.Popen

    def popen(args, *a, **kw):
        if list(args[1:4]) == ["-I", "-m", "autograder.isolation.zygote"]:
            args = [args[0], "-I", "-c", ZYGOTE_CODE % (sorted(options),), *args[4:]]
        return real_popen(args, *a, **kw)

    subprocess.Popen = popen


def use_pinning() -> None:
    """What-if: slot k's grading thread and its student's process run on CPU k % CPUs (see ZYGOTE_CODE, "pin")."""
    from autograder.isolation import sandbox as sb

    cpus = sorted(os.sched_getaffinity(0))
    grade, spawn_request = sb.Sandbox.grade, sb.Sandbox._spawn_request

    def pinned_grade(self, assignment, specs, prepared, slot=0, plan=None):
        os.sched_setaffinity(0, {cpus[slot % len(cpus)]})  # this thread only
        return grade(self, assignment, specs, prepared, slot, plan)

    def pinned_request(self, workdir, slot, load, isolate=None):
        return {**spawn_request(self, workdir, slot, load, isolate), "cpu": cpus[slot % len(cpus)]}

    sb.Sandbox.grade, sb.Sandbox._spawn_request = pinned_grade, pinned_request


def _usage() -> dict:
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"self_maxrss_mb": me.ru_maxrss / 1024, "children_maxrss_mb": kids.ru_maxrss / 1024,
            "self_cpu_s": me.ru_utime + me.ru_stime, "children_cpu_s": kids.ru_utime + kids.ru_stime}


def _wrong(results, n: int) -> list[str]:
    """Ids of the results that are not full marks with every test passed (and a note if some are missing)."""
    wrong = [r.student_id + f" ({r.status}: {r.score:g}/{r.max_score:g})" for r in results
             if r.status != "graded" or abs(r.score - r.max_score) > 1e-9 or r.max_score <= 0
             or any(o.outcome != "passed" for o in r.outcomes)]
    if len(results) != n:
        wrong.append(f"{len(results)} results for {n} submissions")
    return wrong


def _isolation(sandbox) -> str:
    if sandbox.isolated:
        return "full (namespaces, read-only chroot, slot user, rlimits)"
    if getattr(sandbox, "_want_isolation", None) is False:
        return "off (--isolate off: own process + rlimits only)"
    return "partial (own process + rlimits; no namespaces/chroot/slot user)"


def worker(spec: dict) -> int:
    mode = spec["mode"]
    options = set(spec.get("what_if", ())) | ({"diag"} if mode == "profile" else set())
    use_zygote_variant(options)
    if "pin" in options:
        use_pinning()
    if mode == "batch":
        out = worker_batch(spec)
    elif mode == "floor":
        out = worker_floor(spec)
    else:
        out = worker_profile(spec)
    Path(spec["result"]).write_text(json.dumps(out))
    return 0


ISOLATE = {"auto": None, "on": True, "off": False}


def worker_batch(spec: dict) -> dict:
    """`grade_batch` as `autograder grade` runs it; phases from its own callbacks and a wrapped Sandbox._start."""
    from autograder.api import grade_batch
    from autograder.isolation import sandbox as sb

    marks: dict[str, float] = {}
    seen: dict = {}
    # The zygote's start: `_start` does it all; an engine that splits it has `launch` and `_await_ready`.
    begin_name, ready_name = ("launch", "_await_ready") if hasattr(sb.Sandbox, "_await_ready") else ("_start",) * 2
    original_begin, original_ready = getattr(sb.Sandbox, begin_name), getattr(sb.Sandbox, ready_name)
    original_close = sb.Sandbox.close

    def begin(self, *a, **kw):
        marks.setdefault("zygote_begin", time.perf_counter())
        result = original_begin(self, *a, **kw)
        if begin_name == ready_name:
            ready_mark(self)
        return result

    def ready(self, *a, **kw):
        result = original_ready(self, *a, **kw)
        ready_mark(self)
        return result

    def ready_mark(self):
        marks["zygote_ready"] = time.perf_counter()
        seen["isolation"], seen["warning"] = _isolation(self), self.warning

    def close(self):
        original_close(self)
        if "last" in marks and "closed" not in marks:
            marks["closed"] = time.perf_counter()

    setattr(sb.Sandbox, begin_name, begin)
    if ready_name != begin_name:
        setattr(sb.Sandbox, ready_name, ready)
    sb.Sandbox.close = close

    def on_start(todo, done):
        marks["on_start"] = time.perf_counter()
        if done:
            raise SystemExit("the out folder held cached results: nothing would be measured")

    def on_result(result):
        marks["last"] = time.perf_counter()

    t0 = time.perf_counter()
    batch = grade_batch(spec["assignment"], Path(spec["subs"]), Path(spec["out"]), jobs=spec["jobs"],
                        isolate=ISOLATE[spec["isolate"]], on_start=on_start, on_result=on_result)
    t1 = time.perf_counter()
    started = max(marks["zygote_ready"], marks["on_start"])
    cases = sum(len(s.cases) for s in _specs(spec["assignment"]))
    return {
        "wall_s": t1 - t0, "engine_seconds": batch.seconds, "reused": batch.reused,
        "phases": {"collect": marks["on_start"] - t0,
                   "zygote_start": marks["zygote_ready"] - marks["zygote_begin"],
                   "grading": marks["last"] - started,
                   "stop": marks["closed"] - marks["last"],
                   "reports": t1 - marks["closed"]},
        "isolation": seen["isolation"], "warning": seen["warning"],
        "tests": len(batch.results[0].outcomes) if batch.results else 0, "cases": cases,
        "wrong": _wrong(batch.results, spec["n"]) + ([f"{batch.reused} reused"] if batch.reused else []),
        **_usage(),
    }


def _specs(name: str):
    from autograder.core.course import get_assignment
    from autograder.grading.collect import collect

    return collect(get_assignment(name))


def worker_floor(spec: dict) -> dict:
    """The same tests on the same submissions in this process, no isolation: what isolation is measured against."""
    from autograder.core.course import get_assignment
    from autograder.grading.batch import prepare_all
    from autograder.grading.one import grade_one
    from autograder.grading.protocol import InProcess

    assignment = get_assignment(spec["assignment"])
    specs = _specs(spec["assignment"])
    prepared = prepare_all(assignment, Path(spec["subs"]))
    t0 = time.perf_counter()
    results = [grade_one(assignment, specs, p, InProcess()) for p in prepared]
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "wrong": _wrong(results, spec["n"]), **_usage()}


# ---------------------------------------------------------------------------------------------
# The profile: where one submission's time goes
# ---------------------------------------------------------------------------------------------
class SerialScheduler:
    """One slot, in the calling thread (so cProfile sees the grading)."""

    jobs = 1

    def map(self, fn, items):
        for item in items:
            yield fn(0, item)


def worker_profile(spec: dict) -> dict:
    """A serial batch with timers around the engine's steps (monkeypatched here, never edited)."""
    from autograder.api import grade_batch
    from autograder.grading import runner
    from autograder.isolation import sandbox as sb
    from autograder.isolation import wire

    now = time.perf_counter
    records: list[dict] = []
    cur: dict = {}
    per_test: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    state = {"test": None, "in_request": 0, "json": "calls_json", "count_tests": False}
    restore: list[tuple[object, str, object]] = []

    def patch(owner, attr, make):
        original = getattr(owner, attr)
        restore.append((owner, attr, original))
        setattr(owner, attr, make(original))

    def timer(key, *, top_level_only=False, outside_requests=False):
        """Adds the time of each call to cur[key] (key may be a function of nothing, read at call time)."""
        def make(original):
            def wrapped(*a, **kw):
                if top_level_only and (len(a) > 1 or kw.get("depth", 0)):
                    return original(*a, **kw)  # a recursive call: timed by the outer one
                if outside_requests and state["in_request"]:
                    return original(*a, **kw)
                name = key() if callable(key) else key
                t = now()
                try:
                    return original(*a, **kw)
                finally:
                    cur[name] = cur.get(name, 0.0) + now() - t
            return wrapped
        return make

    def make_grade(original):
        def timed_grade(self, *a, **kw):
            state["count_tests"] = bool(records)  # the first submission pays lazy initialisations: left out
            cur.clear()
            cpu = time.process_time()
            cur["t0"] = t = now()
            result = original(self, *a, **kw)
            cur["total"] = now() - t
            cur["grader_cpu"] = time.process_time() - cpu
            records.append(dict(cur))
            return result
        return timed_grade

    def make_init(original):
        def timed_init(self, *a, **kw):
            cur["prepare"] = now() - cur["t0"]
            original(self, *a, **kw)
        return timed_init

    def make_request(original):
        def timed_request(self, message, frame=None):
            spawn_before = cur.get("spawn", 0.0)
            load = message.get("op") == "functions"
            state["in_request"] += 1
            state["json"] = "load_json" if load else "calls_json"
            t = now()
            try:
                return original(self, message, frame)
            finally:
                state["in_request"] -= 1
                took = now() - t - (cur.get("spawn", 0.0) - spawn_before)
                if load:
                    cur["load"] = cur.get("load", 0.0) + took
                else:
                    cur["calls"] = cur.get("calls", 0.0) + took
                    cur["requests"] = cur.get("requests", 0) + 1
                    if state["test"] and state["count_tests"]:
                        per_test[state["test"]]["requests_ms"] += 1000 * took
                        per_test[state["test"]]["requests"] += 1
        return timed_request

    def make_spec(original):
        def timed_spec(s, *a, **kw):
            state["test"] = s.name
            t = now()
            try:
                return original(s, *a, **kw)
            finally:
                if state["count_tests"]:
                    per_test[s.name]["total"] += 1000 * (now() - t)
                state["test"] = None
        return timed_spec

    patch(sb.Sandbox, "grade", make_grade)
    patch(sb.SandboxChannel, "__init__", make_init)
    patch(sb.SandboxChannel, "request", make_request)
    patch(sb.SandboxChannel, "_start", timer("spawn"))
    patch(sb.SandboxChannel, "close", timer("close"))

    def make_diag_close(original):
        def close(self):
            if self._sock is not None:  # the child wrote this file before its last reply (ZYGOTE_CODE, "diag")
                t = now()
                try:
                    cur["diag"] = json.loads((Path(self._spawn["workdir"]) / ".bench-diag.json").read_text())
                except (OSError, ValueError):
                    pass
                cur["diag_read"] = now() - t
            original(self)
        return close

    patch(sb.SandboxChannel, "close", make_diag_close)
    patch(wire, "dumps", timer(lambda: state["json"]))
    patch(wire, "loads", timer(lambda: state["json"]))
    # The submission fixture (protocol.Submission) reaches these through the module: patched for it too.
    patch(wire, "to_wire", timer("wire", top_level_only=True, outside_requests=True))
    patch(wire, "from_wire", timer("wire", top_level_only=True, outside_requests=True))
    patch(sb, "run_tests", timer("run_tests"))  # sandbox.py holds its own name for it
    patch(runner, "run_spec", make_spec)

    subs = Path(spec["tmp"]) / f"profile-subs-{spec['assignment']}"
    subs.mkdir()
    for path in sorted(Path(spec["subs"]).iterdir())[: spec["profile_n"]]:
        (shutil.copytree if path.is_dir() else shutil.copyfile)(path, subs / path.name)
    profiler = None
    if spec.get("cprofile"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    batch = grade_batch(spec["assignment"], subs, Path(spec["out"]), scheduler=SerialScheduler(),
                        isolate=ISOLATE[spec["isolate"]])
    if profiler:
        profiler.disable()
    for owner, attr, original in reversed(restore):
        setattr(owner, attr, original)
    shutil.rmtree(spec["out"], ignore_errors=True)

    kept = records[1:] if len(records) > 1 else records
    n = len(kept)
    keys = ("prepare", "spawn", "load", "load_json", "calls", "calls_json", "wire", "close", "total", "run_tests",
            "diag_read", "grader_cpu")
    per = {k: 1000 * sum(r.get(k, 0.0) for r in kept) / n for k in keys}
    per["requests"] = sum(r.get("requests", 0) for r in kept) / n
    # run_tests holds the spawn (inside the first request), the load, the calls and the wire coding; the rest is test code
    per["tests"] = per["run_tests"] - per["spawn"] - per["load"] - per["calls"] - per["wire"]
    per["cleanup"] = per["total"] - per["prepare"] - per["run_tests"] - per["close"] - per["diag_read"]
    per["total"] -= per["diag_read"]  # the benchmark's own reading of the child's diagnostics
    diags = [r["diag"] for r in kept if "diag" in r]
    child = None
    if diags:
        groups: dict[str, int] = defaultdict(int)
        for d in diags:
            for name, count in d["groups"]:
                groups[name] += count
        slow: dict[str, list[float]] = defaultdict(list)
        for d in diags:
            for took, name in d["slow"]:
                slow[name].append(took)
        child = {"n": len(diags),
                 "load_ms": 1000 * statistics.mean(d["busy"].get("load", 0.0) for d in diags),
                 "calls_ms": 1000 * statistics.mean(d["busy"].get("calls", 0.0) for d in diags),
                 "cpu_ms": 1000 * statistics.mean(d["cpu"] for d in diags),
                 "minflt": statistics.mean(d["minflt"] for d in diags),
                 "gc_n": [statistics.mean(d["gc_n"][g] for d in diags) for g in range(3)],
                 "gc_ms": [1000 * statistics.mean(d["gc_s"][g] for d in diags) for g in range(3)],
                 "new_modules": statistics.mean(d["new_modules"] for d in diags),
                 "groups": sorted(((k, v / len(diags)) for k, v in groups.items()), key=lambda kv: -kv[1])[:5],
                 "slow": sorted(((k, 1000 * sum(v) / len(diags)) for k, v in slow.items()), key=lambda kv: -kv[1])[:3]}
    tests = sorted(({"test": name, "total": d["total"] / n, "requests_ms": d["requests_ms"] / n,
                     "requests": d["requests"] / n} for name, d in per_test.items()), key=lambda t: -t["total"])
    out = {"n": n, "per_submission_ms": per, "tests_ms": tests, "wrong": _wrong(batch.results, len(batch.results)),
           "confined": child, "child": _child_side(spec, subs), "fork": _fork_confine(spec, subs),
           "what_if": spec.get("what_if", [])}
    if profiler:
        import io
        import pstats

        text = []
        for key, count in (("cumulative", 25), ("tottime", 15)):
            buf = io.StringIO()
            pstats.Stats(profiler, stream=buf).sort_stats(key).print_stats(count)
            text.append(f"-- by {key}")
            text.extend(line for line in buf.getvalue().splitlines()[6:] if line.strip())
        out["cprofile"] = "\n".join(text)
    return out


def _child_side(spec: dict, subs: Path) -> dict:
    """What the student's side spends per submission (warm, in-process): the module's import and every call."""
    from autograder.api import grade_in_process
    from autograder.core.course import get_assignment
    from autograder.grading.batch import prepare_all
    from autograder.isolation import child

    assignment = get_assignment(spec["assignment"])
    specs = _specs(spec["assignment"])
    handle = child.Session.handle
    cur: dict[str, float] = {}

    def timed(self, request):
        t = time.perf_counter()
        try:
            return handle(self, request)
        finally:
            key = "load" if request.get("op") == "functions" else "calls"
            cur[key] = cur.get(key, 0.0) + time.perf_counter() - t

    child.Session.handle = timed
    rows = []
    for p in prepare_all(assignment, subs):
        cur.clear()
        grade_in_process(assignment, specs, p)
        rows.append(dict(cur))
    child.Session.handle = handle
    rows = rows[2:] if len(rows) > 4 else rows
    return {"n": len(rows), "load_ms": 1000 * statistics.mean(r.get("load", 0) for r in rows),
            "calls_ms": 1000 * statistics.mean(r.get("calls", 0) for r in rows)}


class _TimedLibc:
    """Stands in for confine's libc handle in a measured child: times each call by name."""

    def __init__(self, libc, took: dict):
        self._libc, self._took = libc, took

    def __getattr__(self, name):
        fn = getattr(self._libc, name)

        def timed(*args):
            t = time.perf_counter()
            try:
                return fn(*args)
            finally:
                self._took[name] = self._took.get(name, 0.0) + time.perf_counter() - t
        return timed


def _measure_child(request: dict, chan, out_fd: int) -> dict:
    """In a just-forked child: confine it as the zygote's child does, then load the module; times and faults."""
    import gc
    import resource

    from autograder.isolation import child, confine

    def faults() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    t_start, f_start = time.perf_counter(), faults()
    took: dict[str, float] = {}
    build = confine._build_root

    def timed_build(req):
        t = time.perf_counter()
        build(req)
        took["build_root"] = time.perf_counter() - t

    confine._build_root = timed_build
    confine._libc = _TimedLibc(confine._libc, took)
    confine.enter(request, chan.fileno(), out_fd)
    t_entered, f_entered = time.perf_counter(), faults()
    session = child.Session(Path(request["workdir_inside"]), request["load"])
    ok = "ok" in session.handle({"op": "functions"})
    t_loaded, f_loaded = time.perf_counter(), faults()
    t = time.perf_counter()
    gc.collect()
    t_gc = time.perf_counter() - t
    return {"start": t_start, "enter": t_entered - t_start, "load": t_loaded - t_entered, "ok": ok,
            "unshare": took.get("unshare", 0.0), "build_root": took.get("build_root", 0.0),
            "mount": took.get("mount", 0.0), "faults_enter": f_entered - f_start, "faults_load": f_loaded - f_entered,
            "gc_collect": t_gc}


def _fork_confine(spec: dict, subs: Path, runs: int = 9) -> dict | None:
    """Fork a torch-sized process and confine the child exactly as the zygote does, timing each step.

    Measured twice: as the zygote is now, then after `gc.freeze()` in the parent (a what-if: the
    collector then leaves the parent's objects alone, so the child does not copy their pages).
    """
    import gc
    import socket

    import torch  # noqa: F401  (the zygote holds these: fork a process of that size)

    from autograder import api
    from autograder.core.course import get_assignment
    from autograder.grading.batch import prepare_all
    from autograder.isolation.sandbox import Sandbox

    torch.set_num_threads(1)
    x = torch.ones(3, dtype=torch.float64, requires_grad=True)
    (x * x).sum().backward()
    assignment = get_assignment(spec["assignment"])
    prepared = prepare_all(assignment, subs)[0]
    try:
        load = api.load_request(assignment, prepared)
    except TypeError:  # an engine whose load request does not depend on the submission
        load = api.load_request(assignment)
    variants = {}
    with Sandbox(isolate=ISOLATE[spec["isolate"]], course_root=assignment.course_root) as sandbox:
        for variant in ("as_is", "gc_freeze"):
            if variant == "gc_freeze":
                gc.collect()
                gc.freeze()
            samples = []
            for i in range(runs):
                workdir = sandbox._tmp / f"bench-{variant}-{i}"
                workdir.mkdir(mode=0o700)
                for name, text in prepared.files.items():
                    (workdir / name).write_text(text, "utf-8")
                if sandbox.isolated:
                    for path in (workdir, *workdir.iterdir()):
                        os.chown(path, sandbox.base_uid, sandbox.base_uid)
                request = sandbox._spawn_request(workdir, 0, load)
                mine, theirs = socket.socketpair()
                out_fd = os.open(os.devnull, os.O_WRONLY)
                t0 = time.perf_counter()
                pid = os.fork()
                if pid == 0:
                    try:
                        mine.close()
                        got = _measure_child(request, theirs, out_fd)
                        os.write(theirs.fileno(), json.dumps(got).encode())
                    finally:
                        os._exit(0)
                t_forked = time.perf_counter()
                theirs.close()
                os.close(out_fd)
                data = b""
                while chunk := mine.recv(65536):
                    data += chunk
                os.waitpid(pid, 0)
                mine.close()
                shutil.rmtree(workdir, ignore_errors=True)
                if not data:
                    return None
                got = json.loads(data)
                samples.append({**got, "fork": t_forked - t0, "to_child": got["start"] - t0})
            keys = ("fork", "to_child", "enter", "unshare", "build_root", "mount", "load", "faults_enter",
                    "faults_load", "gc_collect")
            variants[variant] = {k: statistics.median(s[k] for s in samples) * (1 if "faults" in k else 1000)
                                 for k in keys}
            variants[variant]["all_loaded"] = all(s["ok"] for s in samples)
        isolated = sandbox.isolated
        mounts = len(getattr(sandbox, "_bind_paths", None) or sandbox._binds()) if isolated else 0
    return {"runs": runs, "isolated": isolated, "mounts": mounts, **variants}


if __name__ == "__main__":
    sys.exit(main())
