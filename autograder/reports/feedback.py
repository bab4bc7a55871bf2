"""What a student may see about their own submission: tests, outcomes, hints. Never an expected value.

Everything a student controls (their id, messages, notebook notes, what their code printed) is in a code span
or a fenced block it cannot close, without terminal escapes: nothing of it becomes Markdown or HTML.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from autograder.core.course import Assignment
from autograder.core.outfolder import (
    FEEDBACK_DIR,
    atomic_write,
    digest,
    record_feedback,
    remove_unreported,
    written_feedback,
)
from autograder.core.results import SubmissionResult
from autograder.core.status import Outcome, Status
from autograder.core.text import markdown_code, terminal_safe

NOT_RUN = ("not graded", "–")


@dataclass(frozen=True)
class Written:
    """A written answer's merged score (`merge-manual`) and the scorer's comment for the student."""

    score: float
    comment: str = ""


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


def _score_lines(assignment: Assignment, result: SubmissionResult, written: Mapping[str, Written]) -> list[str]:
    """The score: the tests' alone, or with the written answers' once every one of them is merged."""
    if not result.has_score:
        return ["**Score: not graded** (no score until your submission is graded again)"]
    if assignment.questions and all(q.id in written for q in assignment.questions):
        manual = sum(written[q.id].score for q in assignment.questions)
        return [f"**Score: {result.score + manual:g} / {result.max_score + assignment.manual_points:g}** "
                f"({result.score:g} / {result.max_score:g} autograded tests, {manual:g} / "
                f"{assignment.manual_points:g} written answers)"]
    lines = [f"**Score: {result.score:g} / {result.max_score:g}** (autograded tests)"]
    if assignment.questions:
        lines.append(f"Written answers ({assignment.manual_points:g} points) are graded by a person.")
    return lines


def _written_lines(assignment: Assignment, written: Mapping[str, Written]) -> list[str]:
    """Each question's merged score (or that it is not scored yet) and the scorer's comment, as text."""
    if not assignment.questions:
        return []
    lines = ["## Written answers", "", "| Question | Points |", "|---|---|"]
    for q in assignment.questions:
        mark = f"{written[q.id].score:g} / {q.points:g}" if q.id in written else f"not scored yet / {q.points:g}"
        lines.append(f"| `{q.id}` | {mark} |")
    lines.append("")
    for q in assignment.questions:
        if q.id in written and written[q.id].comment.strip():
            lines += [f"### Comment on `{q.id}`", "", *_block(written[q.id].comment.strip()), ""]
    return lines


def feedback_markdown(assignment: Assignment, result: SubmissionResult,
                      written: Mapping[str, Written] | None = None) -> str:
    """The feedback file of one student, in Markdown; `written`: the merged scores of their written answers by
    question (those not merged yet, or merged for another answer, are absent)."""
    written = written or {}
    student = markdown_code(terminal_safe(result.student_id, one_line=True))
    files = result.extra.get("files", [])
    graded = ["File graded: " + ", ".join(markdown_code(terminal_safe(f, one_line=True)) for f in files)] if files else []
    lines = [f"# {assignment.title} ({assignment.name}): feedback for {student}", "",
             *_score_lines(assignment, result, written), *graded, ""]
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
    timeouts = result.extra.get("timeouts", [])
    if timeouts and result.status == "graded":
        lines += ["## Time limits", "", "Only the tests that ran into these lost their points:", "",
                  *_block("\n".join(f"- {t}" for t in timeouts)), ""]
    lines += _written_lines(assignment, written)
    notes = result.extra.get("notes", [])
    if notes:
        lines += ["## Notes on your notebook", "", *_block("\n".join(f"- {n}" for n in notes)), ""]
    if result.output.strip():
        lines += ["## What your code printed", "", *_block(result.output.rstrip()[:4000]), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_feedback(assignment: Assignment, results: list[SubmissionResult], out_dir: Path,
                   written: Mapping[str, Mapping[str, Written]] | None = None) -> tuple[str, ...]:
    """feedback/<id>.md of every row (`written`: merged written scores by student, then question); the grader's
    earlier ones of students no longer reported are deleted, unless a person changed them (said in the notes
    returned). Other files there are never touched."""
    before, files = written_feedback(out_dir), {}
    for result in results:
        name = f"{result.student_id}.md"
        text = feedback_markdown(assignment, result, (written or {}).get(result.student_id))
        atomic_write(out_dir / FEEDBACK_DIR / name, text, durable=False)  # rewritten from .results
        files[name] = digest(text)
    notes = remove_unreported(out_dir, before, files)
    record_feedback(out_dir, files)
    return tuple(notes)
