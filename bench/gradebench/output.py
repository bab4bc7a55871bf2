"""What the benchmark prints: a table per assignment, the profile, an overview of several, the JSON lines."""
from __future__ import annotations

import json

from autograder.isolation.backends import label
from gradebench.summary import TARGET_MEMORY_MB, TARGET_RATIO

NOT_IN_JSON_LINE = ("profile", "peak_rss_parts_mb", "wrong", "isolation_warning")


def _fmt(value, unit: str = "", digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def table_rows(s: dict) -> list[tuple[str, str]]:
    """(label, value) for every figure of one assignment's summary."""
    p, d = s["phases_s"], s["submission_ms"]
    floor = f"   = {s['floor_ms_per_submission']:.1f} ms per submission" if s["floor_s"] is not None else ""
    return [
        ("isolation", f"{s['isolation']}: {label(s['isolation'])}"),
        ("tests / cases per submission", f"{s['tests']} / {s['cases']}"),
        ("fresh `import torch` (median)", _fmt(s["torch_import_s"], " s")),
        (f"batch wall, grade_batch (median of {s['repeat']})",
         _fmt(s["batch_wall_s"], " s") + f"   runs: {', '.join(f'{w:.2f}' for w in s['batch_walls_s'])}"),
        ("  collect tests + read submissions", _fmt(p["collect"], " s")),
        ("  start-up left (zygote, probe, plan)", _fmt(p["startup"], " s")),
        ("  grading (first start .. last result)", _fmt(p["grading"], " s") +
         f"   = {s['grading_ms_per_submission']:.1f} ms per submission at jobs={s['jobs']}"),
        ("  finish (zygote stop, reports)", _fmt(p["finish"], " s")),
        ("one submission (duration_s)", f"median {d['median']:.1f} ms, max {d['max']:.1f} ms at jobs={s['jobs']}"),
        ("batch / fresh torch import", _fmt(s["ratio_to_torch_import"], "x") + f"   (target < {TARGET_RATIO:g}x)"),
        ("submissions per second", _fmt(s["submissions_per_s"], "", 1)),
        ("whole process (start .. exit)", _fmt(s["process_s"], " s")),
        ("in-process floor, no isolation", _fmt(s["floor_s"], " s") + floor),
        ("isolation cost per submission", _fmt(s.get("isolation_overhead_ms_per_submission"), " ms", 1) +
         "   (grading x jobs - floor) / N"),
        ("peak PSS sum, whole tree", _fmt(s["peak_pss_sum_mb"], " MB", 0) + f"   (target < {TARGET_MEMORY_MB} MB)"),
        ("peak RSS sum, whole tree (50 ms)", _fmt(s["peak_rss_sum_mb"], " MB", 0) + "   " +
         ", ".join(f"{k} {v:.0f}" for k, v in s["peak_rss_parts_mb"].items())),
        ("grader ru_maxrss (RUSAGE_SELF)", _fmt(s["grader_maxrss_mb"], " MB", 0)),
        ("largest child ru_maxrss (RUSAGE_CHILDREN)", _fmt(s["largest_child_maxrss_mb"], " MB", 0)),
        ("CPU: grader / zygote, keepers, submissions", f"{s['grader_cpu_s']:.2f} s / {s['children_cpu_s']:.2f} s"),
        ("processes at once (max)", str(s["max_processes"])),
        ("every submission full marks", "yes" if s["full_marks"] else f"NO: {', '.join(s['wrong'])}"),
        ("target met", "yes" if s["target_met"] else "no"),
    ]


def print_table(s: dict, cprofile_listing: bool = False) -> None:
    """One assignment's figures, then its profile if it has one."""
    rows = table_rows(s)
    width = max(len(label) for label, _ in rows)
    print(f"\n== {s['assignment']}: N={s['n']} ({s['format']}), jobs={s['jobs']}")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    if s["isolation_warning"]:
        print(f"  ({s['isolation_warning']})")
    if "profile" in s:
        print_profile(s["profile"], cprofile_listing)


def print_profile(p: dict, listing: bool = False) -> None:
    """The `--profile` figures (see bench/README.md, "The profile")."""
    serial, ch, calls, steady = p["serial"], p["channel"], p["calls"], p["serial"]["steady"]
    print(f"\n  per submission, serial (one slot), {p['n']} submissions (ms):")
    if steady:
        print(f"    {steady['wall_ms']:8.2f}  wall, from the first result to the last / (N - 1)")
        print(f"    {steady['grader_cpu_ms']:8.2f}  the grader's CPU over the same span (RUSAGE_SELF)")
    if p["children_cpu_ms"] is not None:
        print(f"    {p['children_cpu_ms']:8.2f}  the children's CPU (RUSAGE_CHILDREN, batch of N - batch of 1): "
              "the keeper's fork, the submission's process")
    rest = serial["submission_ms"] - ch["open"] - ch["load"] - ch["close"]
    print(f"    {serial['submission_ms']:8.2f}  one submission's duration_s (mean, the first left out), of which:")
    print(f"    {ch['open']:8.2f}    open the channel: the submission's folder written (median of {ch['n']})")
    print(f"    {ch['load']:8.2f}    first request: fork, confinement, import of the module and the probes")
    print(f"    {ch['close']:8.2f}    close: the process ended, its output read, its folder removed")
    print(f"    {rest:8.2f}    the rest: the tests, their {calls['requests']:.0f} requests and the grader's test code")
    print(f"    {calls['ms']:8.2f}  the same tests in this process (InProcess: no process, no IPC)")
    ph = serial["phases"]
    print(f"  phases of the serial batch of {serial['n']}: collect {ph['collect']:.2f} s, start-up "
          f"{ph['startup']:.2f} s, grading {ph['grading']:.2f} s, finish {ph['finish']:.2f} s")
    print_cprofile(p["cprofile"], 30 if listing else 8)
    if listing:
        print("\n".join("    " + line for line in p["cprofile"]["listing"].splitlines() if line.strip()))


def print_cprofile(c: dict, count: int) -> None:
    """The grader's top functions by own and by cumulative time, per submission."""
    for key, what in (("by_own", "own"), ("by_cumulative", "cumulative")):
        print(f"  the grader's functions by {what} time (cProfile, serial batch, main thread; ms per submission):")
        for row in c[key][:count]:
            print(f"    {row['own_ms']:8.2f} own {row['cum_ms']:8.2f} cum {row['calls']:8.1f} calls  {row['function']}")


def print_overview(summaries: list[dict]) -> None:
    """Several assignments side by side, the costliest per submission first."""
    print(f"\nper assignment (grading phase per submission, jobs={summaries[0]['jobs']}):")
    for s in sorted(summaries, key=lambda s: -s["grading_ms_per_submission"]):
        serial = s.get("profile", {}).get("serial", {}).get("submission_ms")
        print(f"  {s['assignment']:<6} {s['grading_ms_per_submission']:7.1f} ms  floor "
              f"{_fmt(s['floor_ms_per_submission'], ' ms', 1):>9}  serial profile {_fmt(serial, ' ms', 1):>9}"
              f"  {s['tests']} tests, {s['cases']} cases")
    print(f"  largest: {max(summaries, key=lambda s: s['grading_ms_per_submission'])['assignment']}")


def _rounded(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def json_line(s: dict) -> str:
    """The summary's last line: every figure but the profile and the long texts, compact."""
    return json.dumps(_rounded({k: v for k, v in s.items() if k not in NOT_IN_JSON_LINE}), separators=(",", ":"))
