"""The benchmark's command line: parse, measure each assignment, print; exit 1 unless every submission of
every run got full marks (a benchmark of wrong results is worthless) and something was benchmarked."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

EXAMPLE = """example:
  .venv/bin/python bench/grade_bench.py --assignment hw5 --n 200 --jobs 3
  .venv/bin/python bench/grade_bench.py --assignment all --n 20 --profile"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grade_bench.py", epilog=EXAMPLE, formatter_class=argparse.RawTextHelpFormatter,
                                description="Grade N copies of each reference with the real engine; time and weigh it.")
    p.add_argument("--assignment", help="a name, a comma-separated list, or 'all'")
    p.add_argument("--n", type=int, default=200, help="submissions (copies of the reference)")
    p.add_argument("--jobs", type=int, default=min(64, (os.cpu_count() or 1) + 1),
                   help="submissions graded at once (default: CPUs + 1)")
    p.add_argument("--repeat", type=int, default=1, help="runs of the batch (and of the floor); medians")
    p.add_argument("--format", choices=("py", "ipynb"), default="py",
                   help="hand in the reference's .py files (default) or their .ipynb twins")
    p.add_argument("--isolate", choices=("auto", "on", "off"), default="auto",
                   help="auto: the best the machine allows; on: full isolation or nothing; off: no namespaces")
    p.add_argument("--no-floor", action="store_true", help="skip the in-process floor")
    p.add_argument("--profile", action="store_true", help="add the per-submission breakdown (serial runs)")
    p.add_argument("--profile-n", type=int, default=30, help="submissions in the profile's runs")
    p.add_argument("--cprofile", action="store_true", help="with --profile: print the whole cProfile listing")
    p.add_argument("--torch-runs", type=int, default=3,
                   help="fresh `import torch` runs for the yardstick; median (0: none, no ratio)")
    p.add_argument("--pss-interval", type=float, default=0.5,
                   help="seconds between PSS samples (reading smaps_rollup costs ~2 ms a process); 0: off")
    p.add_argument("--json", type=Path, help="also write the summaries, the profile included, to this file")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    return p


def main(argv=None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.worker:
        from gradebench.worker import main as worker_main

        return worker_main(json.loads(args.worker))
    if not args.assignment:
        p.error("--assignment is required")
    if min(args.n, args.jobs, args.repeat, args.profile_n) < 1 or args.torch_runs < 0:
        p.error("--n, --jobs, --repeat and --profile-n must be at least 1, --torch-runs at least 0")
    from autograder.core.errors import AutograderError
    from gradebench.classes import resolve_assignments

    try:
        names = resolve_assignments(args.assignment, args.format)
    except AutograderError as exc:
        p.error(str(exc))
    return run(args, names)


def run(args, names: list[tuple[str, str]]) -> int:
    """The yardstick, then every assignment in turn; the tables as they come, the JSON lines at the end."""
    from gradebench.output import json_line, print_overview, print_table
    from gradebench.runs import bench_assignment, load_average, reference_passes, torch_import_seconds

    load_before = load_average()
    print(f"{os.cpu_count()} CPUs, load average {load_before:.2f} (other work on the machine skews every figure)")
    times = torch_import_seconds(args.torch_runs)
    torch_s = statistics.median(times) if times else None
    if times:
        print(f"fresh `python -c 'import torch'`: {', '.join(f'{t:.2f}' for t in times)} s -> median {torch_s:.2f} s",
              flush=True)
    summaries, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="grade-bench-") as tmp:
        for name, why in names:
            why = why or (reference_passes(name, Path(tmp)) if args.assignment == "all" else "")
            if why:
                skipped.append((name, why))
                print(f"\n== {name}: skipped ({why})", flush=True)
                continue
            summaries.append(bench_assignment(name, args, torch_s, Path(tmp)))
            print_table(summaries[-1], args.cprofile)
    if len(summaries) > 1:
        print_overview(summaries)
    for s in summaries:
        s["load_avg_before_after"] = [round(load_before, 2), round(load_average(), 2)]
        print(json_line(s))
    if args.json:
        args.json.write_text(json.dumps({"summaries": summaries, "skipped": skipped}, indent=1))
    return verdict(summaries)


def verdict(summaries: list[dict]) -> int:
    """1 if any submission was not full marks, or nothing was benchmarked; else 0."""
    if not summaries:
        print("FAILED: nothing was benchmarked", file=sys.stderr)
        return 1
    if not all(s["full_marks"] for s in summaries):
        print("FAILED: not every submission got full marks", file=sys.stderr)
        return 1
    return 0
