"""What mutation testing found: each mutant's fate, the counts and kill rate, as text and as JSON."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

KILLED, TIMEOUT, CRASHED, SURVIVED, EQUIVALENT = "killed", "timeout", "crashed", "survived", "equivalent"
KILLED_STATUSES = (KILLED, TIMEOUT, CRASHED)


@dataclass(frozen=True)
class Mutant:
    """One small change to one reference file, and the file's text with it applied."""

    index: int  # position in the full, deterministic list of the assignment's mutants
    file: str
    line: int
    col: int
    function: str
    operator: str
    description: str
    source: str = field(repr=False, compare=False)
    words: str = field(default="", compare=False)  # the change as a student reads it (`words.in_words`), or ''

    def to_dict(self) -> dict:
        return {"index": self.index, "file": self.file, "line": self.line, "col": self.col,
                "function": self.function, "operator": self.operator, "description": self.description,
                "words": self.words}


@dataclass(frozen=True)
class MutantResult:
    """What the tests made of one mutant; `difference` says how a survivor's replies changed."""

    mutant: Mutant
    status: str
    failed_tests: tuple[str, ...]
    duration_s: float  # wall time, fork to verdict
    cpu_s: float  # CPU time of the mutant's process
    difference: str = ""  # a survivor: the first changed reply; a crash: why the process ended

    @property
    def killed(self) -> bool:
        return self.status in KILLED_STATUSES

    def to_dict(self) -> dict:
        return {**self.mutant.to_dict(), "status": self.status, "failed_tests": list(self.failed_tests),
                "duration_s": self.duration_s, "cpu_s": self.cpu_s, "difference": self.difference}


@dataclass(frozen=True)
class MutationReport:
    """Every mutant's fate, with counts, the kill rate and timings."""

    assignment: str
    files: tuple[str, ...]
    generated: int  # mutants before --max
    results: tuple[MutantResult, ...]
    recorded_calls: int
    unstable_calls: int  # calls whose reply changes between two runs of the reference: not compared
    timeout_s: float
    jobs: int
    baseline_s: float  # grading the reference while recording its calls, then replaying them
    baseline_cpu_s: float
    mutants_s: float  # wall time of the mutants' runs
    duration_s: float  # everything, collection and generation included

    def _count(self, *statuses: str) -> int:
        return sum(r.status in statuses for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def killed(self) -> int:
        return self._count(*KILLED_STATUSES)

    @property
    def timeouts(self) -> int:
        return self._count(TIMEOUT)

    @property
    def survived(self) -> int:
        return self._count(SURVIVED)

    @property
    def equivalent(self) -> int:
        return self._count(EQUIVALENT)

    @property
    def kill_rate(self) -> float | None:
        """killed / (killed + survived); None when there is nothing to kill."""
        judged = self.killed + self.survived
        return self.killed / judged if judged else None

    @property
    def survivors(self) -> tuple[MutantResult, ...]:
        return tuple(r for r in self.results if r.status == SURVIVED)

    def timing(self) -> dict:
        """Seconds per mutant (wall from fork to verdict, and the child's CPU); timeouts are left out."""
        finished = [r for r in self.results if r.status != TIMEOUT]
        wall = [r.duration_s for r in finished]
        return {"mean_s": round(statistics.fmean(wall), 4) if wall else None,
                "median_s": round(statistics.median(wall), 4) if wall else None,
                "max_s": round(max(wall), 4) if wall else None,
                "mean_cpu_s": round(statistics.fmean(r.cpu_s for r in finished), 4) if finished else None,
                "wall_per_mutant_s": round(self.mutants_s / self.total, 4) if self.total else None}

    def to_dict(self) -> dict:
        return {"assignment": self.assignment, "files": list(self.files), "generated": self.generated,
                "total": self.total, "killed": self.killed, "timeouts": self.timeouts,
                "survived": self.survived, "equivalent": self.equivalent, "kill_rate": self.kill_rate,
                "recorded_calls": self.recorded_calls, "unstable_calls": self.unstable_calls,
                "timeout_s": self.timeout_s, "jobs": self.jobs, "baseline_s": self.baseline_s,
                "baseline_cpu_s": self.baseline_cpu_s,
                "mutants_s": self.mutants_s, "duration_s": self.duration_s, "timing": self.timing(),
                "mutants": [r.to_dict() for r in self.results]}



def _rate(report: MutationReport) -> str:
    return "n/a (nothing to kill)" if report.kill_rate is None else f"{100 * report.kill_rate:.1f}%"


def _by_operator(report: MutationReport) -> list[str]:
    operators = sorted({r.mutant.operator for r in report.results})
    lines = [f"  {'operator':<20} {'killed':>6} {'survived':>8} {'equivalent':>10}"]
    for op in operators:
        rows = [r for r in report.results if r.mutant.operator == op]
        lines.append(f"  {op:<20} {sum(r.killed for r in rows):>6} {sum(r.status == SURVIVED for r in rows):>8} "
                     f"{sum(r.status == EQUIVALENT for r in rows):>10}")
    return lines


def _where(result: MutantResult) -> str:
    m = result.mutant
    return f"  {m.file}:{m.line} in {m.function}  [{m.operator}] {m.description}"


def format_report(report: MutationReport) -> str:
    """The report a person reads: counts, kill rate, timings, then every survivor and equivalent mutant."""
    sampled = f" (evenly sampled from {report.generated})" if report.generated != report.total else ""
    t = report.timing()
    lines = [
        f"Mutation testing of {report.assignment} ({', '.join(report.files)}): {report.total} mutants{sampled}",
        f"  killed      {report.killed:5d}  ({report.timeouts} by the {report.timeout_s:g} s timeout)",
        f"  survived    {report.survived:5d}  behaviour-changing: the tests saw a different reply and passed",
        f"  equivalent  {report.equivalent:5d}  the same replies on every input the tests use",
        f"  kill rate   {_rate(report)}  = killed / (killed + survived)",
        "",
        *_by_operator(report),
        "",
        f"Timing: reference run {report.baseline_s:.2f} s ({report.baseline_cpu_s:.2f} s CPU); per mutant "
        f"mean {t['mean_s']} s ({t['mean_cpu_s']} s CPU), median {t['median_s']} s, max {t['max_s']} s "
        f"(timeouts left out); {t['wall_per_mutant_s']} s of wall time per mutant with {report.jobs} jobs; "
        f"{report.duration_s:.1f} s in all.",
        f"Replayed {report.recorded_calls} recorded calls per survivor"
        + (f" ({report.unstable_calls} give a different reply on a second run of the reference and are not compared)"
           if report.unstable_calls else "") + ".",
    ]
    if report.survivors:
        lines += ["", "Survivors (strengthen the tests to kill these):"]
        for r in report.survivors:
            lines += [_where(r), f"      first changed reply: {r.difference}"]
    equivalent = [r for r in report.results if r.status == EQUIVALENT]
    if equivalent:
        lines += ["", "Equivalent on the tested inputs (no reply changed; check that no test input is missing):"]
        lines += [_where(r) for r in equivalent]
    crashed = [r for r in report.results if r.status == CRASHED]
    if crashed:
        lines += ["", "Crashed (the mutant's process died; counted as killed):"]
        lines += [f"{_where(r)}\n      {r.difference}" for r in crashed]
    return "\n".join(lines)
