"""`python -m autograder.mutation ASSIGNMENT`: the command line of mutation testing."""
from __future__ import annotations

import argparse
import json
import sys

from autograder.core.course import get_assignment
from autograder.core.errors import AutograderError
from autograder.exitcodes import ExitCode
from .report import format_report
from .running import run_mutation


def _progress(done: int, total: int) -> None:
    print(f"\r  {done}/{total} mutants", end="\n" if done == total else "", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """`python -m autograder.mutation ASSIGNMENT`: parse, call `run_mutation`, print the report."""
    parser = argparse.ArgumentParser(
        prog="python -m autograder.mutation",
        description="Mutate the reference's solution regions and report which mutants the tests miss.",
        epilog="Example: python -m autograder.mutation hw2 --max 200 --jobs 2")
    parser.add_argument("assignment")
    parser.add_argument("--max", dest="max_mutants", type=int, help="test at most N mutants, evenly sampled")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per mutant before it counts as killed")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        report = run_mutation(get_assignment(args.assignment), args.max_mutants, args.timeout, args.jobs,
                              progress=_progress if sys.stderr.isatty() else None)
    except AutograderError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_report(report))
    return ExitCode.OK
