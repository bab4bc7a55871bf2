"""What a student may see about their own submission: tests, outcomes, hints. Never an expected value.

Everything a student controls (their id, messages, notebook notes, what their code printed) is in a code span
or a fenced block it cannot close, without terminal escapes: nothing of it becomes Markdown or HTML.
"""
from __future__ import annotations

from autograder.core.course import Assignment
from autograder.grading.runner import PASSED, SubmissionResult
from autograder.core.text import markdown_code, terminal_safe

STATUS_TEXT = {
    "graded": "graded",
    "invalid": "not graded: the submission could not be read",
    "load_error": "your file could not be imported, so no test could run",
    "forbidden_import": "your file imports a module this assignment forbids",
    "timeout": "your file did not finish importing in time",
    "crashed": "the process running your file ended while importing it",
    "grader_error": "not graded: the grader failed (not your fault); your instructor has been told",
}
NOT_RUN = ("not graded", "–")
OUTCOME_MARK = {"passed": "✅ passed", "failed": "❌ failed", "partial": "🟡 partly passed", "skipped": "⏭ skipped"}


def _block(text: str) -> list[str]:
    """A fenced block that the text itself cannot close, without what would move a terminal's cursor."""
    text = terminal_safe(text)
    fence = "```"
    while fence in text:
        fence += "`"
    return [fence, text, fence]


def feedback_markdown(assignment: Assignment, result: SubmissionResult) -> str:
    """The feedback file of one student, in Markdown."""
    student = markdown_code(terminal_safe(result.student_id, one_line=True))
    lines = [f"# {assignment.title} ({assignment.name}): feedback for {student}", ""]
    if result.has_score:
        lines.append(f"**Score: {result.score:g} / {result.max_score:g}** (autograded tests)")
    else:
        lines.append("**Score: not graded** (no score until your submission is graded again)")
    if assignment.questions:
        lines.append(f"Written answers ({assignment.manual_points:g} points) are graded by a person.")
    lines.append("")
    if result.status != "graded":
        lines += [f"**Status:** {STATUS_TEXT.get(result.status, result.status)}.", "", *_block(result.message), ""]
    lines += ["| Test | Kind | Result | Points |", "|---|---|---|---|"]
    for o in result.outcomes:
        mark, points = (OUTCOME_MARK.get(o.outcome, o.outcome), f"{o.points:g}") if result.has_score else NOT_RUN
        lines.append(f"| `{o.test}` | {o.visibility} | {mark} | {points} / {o.max_points:g} |")
    lines.append("")
    failed = [o for o in result.outcomes if o.outcome != PASSED and o.message]
    if failed and result.status == "graded":
        lines += ["## What to look at", ""]
        for o in failed:
            lines.append(f"### `{o.test}`")
            lines += ["", *_block(o.message.strip()), ""]
    notes = result.extra.get("notes", [])
    if notes:
        lines += ["## Notes on your notebook", "", *_block("\n".join(f"- {n}" for n in notes)), ""]
    if result.output.strip():
        lines += ["## What your code printed", "", *_block(result.output.rstrip()[:4000]), ""]
    return "\n".join(lines).rstrip() + "\n"
