"""One assignment's runs folded into its summary: medians over `--repeat`, the ratios, the verdict."""
from __future__ import annotations

import statistics

TARGET_RATIO = 4.0  # the batch of 200 against one fresh `import torch`
TARGET_MEMORY_MB = 1024  # the whole tree's memory


def median(values):
    """The median of the values that are not None (None if there are none)."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(name: str, args, torch_s: float | None, batches: list[dict], floors: list[dict], profile) -> dict:
    """Every figure of one assignment (the JSON line's fields; see bench/README.md)."""
    wrong = sorted({w for run in batches + floors + ([profile] if profile else []) for w in run["wrong"]})
    summary = {"assignment": name, "format": args.format, "n": args.n, "jobs": args.jobs, "repeat": args.repeat,
               "isolation": ", ".join(batches[0]["isolation"]) or "-", "isolation_warning": batches[0]["warning"],
               "tests": batches[0]["tests"], "cases": batches[0]["cases"], "torch_import_s": torch_s,
               **batch_figures(batches, args.n, torch_s), **floor_figures(floors, args.n)}
    if floors:
        summary["isolation_overhead_ms_per_submission"] = (
            (summary["phases_s"]["grading"] * args.jobs - summary["floor_s"]) * 1000 / args.n)
    memory = summary["peak_pss_sum_mb"] or summary["peak_rss_sum_mb"]
    ratio = summary["ratio_to_torch_import"]
    summary["target_met"] = ratio is not None and ratio < TARGET_RATIO and memory < TARGET_MEMORY_MB
    summary["full_marks"], summary["wrong"] = not wrong, wrong[:10]
    if profile:
        summary["profile"] = profile
    return summary


def batch_figures(batches: list[dict], n: int, torch_s: float | None) -> dict:
    """The batch's figures, each the median over the runs (the RSS split: that of the median run)."""
    def med(key):
        return median([b[key] for b in batches])

    wall = med("wall_s")
    phases = {k: median([b["phases"][k] for b in batches]) for k in batches[0]["phases"]}
    return {
        "batch_wall_s": wall, "batch_walls_s": [round(b["wall_s"], 3) for b in batches],
        "ratio_to_torch_import": wall / torch_s if torch_s else None, "submissions_per_s": n / wall, "phases_s": phases,
        "grading_ms_per_submission": 1000 * phases["grading"] / n,
        "submission_ms": {k: median([b["submission_ms"][k] for b in batches]) for k in ("median", "mean", "max")},
        "process_s": med("process_s"), "peak_rss_sum_mb": med("peak_rss_sum_mb"),
        "peak_pss_sum_mb": med("peak_pss_sum_mb"),
        "peak_rss_parts_mb": sorted(batches, key=lambda b: b["wall_s"])[len(batches) // 2]["peak_rss_parts_mb"],
        "grader_maxrss_mb": med("self_maxrss_mb"), "largest_child_maxrss_mb": med("children_maxrss_mb"),
        "grader_cpu_s": med("self_cpu_s"), "children_cpu_s": med("children_cpu_s"),
        "max_processes": max(b["max_processes"] for b in batches),
    }


def floor_figures(floors: list[dict], n: int) -> dict:
    """The in-process floor's figures (None without a floor)."""
    wall = median([f["wall_s"] for f in floors])
    return {"floor_s": wall, "floor_ms_per_submission": None if wall is None else 1000 * wall / n,
            "floor_maxrss_mb": median([f["self_maxrss_mb"] for f in floors])}
