"""Text for people: the self-check output a student reads in a terminal."""
from __future__ import annotations

from .runner import PASSED, SubmissionResult

MARKS = {"passed": "PASS", "failed": "FAIL", "partial": "PART", "skipped": "SKIP"}


def format_check(result: SubmissionResult) -> str:
    """Per-test lines, the hint under each failure, and a total."""
    lines = []
    if result.status != "graded":
        lines.append(f"Your submission could not be tested: {result.message}")
        lines.append("")
    else:
        for o in result.outcomes:
            lines.append(f"{MARKS.get(o.outcome, o.outcome.upper())}  {o.test}  ({o.points:g}/{o.max_points:g})")
            if o.outcome != PASSED and o.message:
                lines.extend(f"      {line}" for line in o.message.splitlines())
    passed = sum(o.outcome == PASSED for o in result.outcomes)
    lines.append(f"{passed}/{len(result.outcomes)} tests passed, {result.score:g}/{result.max_score:g} points")
    if result.output.strip():
        lines.append("\nWhat your code printed:\n" + result.output.rstrip())
    return "\n".join(lines)
