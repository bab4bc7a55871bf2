"""What a student may see about their own submission: tests, outcomes, hints. Never an expected value.

Everything a student controls (their id, messages, notebook notes, what their code printed) is in a code span
or a fenced block it cannot close, without terminal escapes: nothing of it becomes Markdown or HTML.
"""
from __future__ import annotations

from autograder.core.course import Assignment
from autograder.core.results import SubmissionResult
from autograder.core.status import Outcome, Status
from autograder.core.text import markdown_code, terminal_safe

NOT_RUN = ("not graded", "–")


def diagnosis_sentence(diagnosis: str) -> str:
    """What a failed test's diagnosis (`TestOutcome.diagnosis`, words of the course) tells the student."""
    return f"Your answers to this test are what a solution gives in which {diagnosis.rstrip('.')}."


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
        lines += [f"**Status:** {Status(result.status).explanation}.", "", *_block(result.message), ""]
    lines += ["| Test | Kind | Result | Points |", "|---|---|---|---|"]
    for o in result.outcomes:
        mark, points = (Outcome(o.outcome).label, f"{o.points:g}") if result.has_score else NOT_RUN
        lines.append(f"| `{o.test}` | {o.visibility} | {mark} | {points} / {o.max_points:g} |")
    lines.append("")
    failed = [o for o in result.outcomes if o.outcome != Outcome.PASSED and o.message]
    if failed and result.status == "graded":
        lines += ["## What to look at", ""]
        for o in failed:
            lines.append(f"### `{o.test}`")
            lines += ["", *_block(o.message.strip()), ""]
            if o.diagnosis:
                lines += [f"**The mistake your answers show:** {diagnosis_sentence(terminal_safe(o.diagnosis, one_line=True))}", ""]
    notes = result.extra.get("notes", [])
    if notes:
        lines += ["## Notes on your notebook", "", *_block("\n".join(f"- {n}" for n in notes)), ""]
    if result.output.strip():
        lines += ["## What your code printed", "", *_block(result.output.rstrip()[:4000]), ""]
    return "\n".join(lines).rstrip() + "\n"
