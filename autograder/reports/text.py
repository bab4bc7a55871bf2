"""Text for people: the self-check output a student reads in a terminal, and the summary of a batch.

What a student controls (ids, messages, what their code printed) is printed without terminal escapes,
control or bidi characters (`safetext.terminal_safe`): it cannot rewrite the lines around it.
"""
from __future__ import annotations

import contextlib
import sys

from autograder.core.results import SubmissionResult
from autograder.core.status import Outcome
from autograder.core.text import terminal_safe
from autograder.reports.feedback import diagnosis_sentence


def _line(text: str) -> str:
    """A student's text shown inside one line."""
    return terminal_safe(text, one_line=True)


def format_check(result: SubmissionResult) -> str:
    """Per-test lines, the hint under each failure, and a total."""
    files = result.extra.get("files", [])
    lines = [f"Tested: {', '.join(map(_line, files))}", ""] if files else []
    message = terminal_safe(result.message)
    if not result.has_score:
        lines += [f"Your submission was not graded: the grader failed (not your fault): {message}", ""]
    elif not result.graded:
        lines += [f"Your submission could not be tested: {message}", ""]
    else:
        for o in result.outcomes:
            lines.append(f"{Outcome(o.outcome).mark}  {o.test}  ({o.points:g}/{o.max_points:g})")
            if o.outcome != Outcome.PASSED and o.message:
                lines.extend(f"      {line}" for line in terminal_safe(o.message).splitlines())
            if o.outcome != Outcome.PASSED and o.diagnosis:
                lines.append(f"      {_line(diagnosis_sentence(o.diagnosis))}")
    passed = sum(o.outcome == Outcome.PASSED for o in result.outcomes)
    lines.append(f"{passed}/{len(result.outcomes)} tests passed, {result.score:g}/{result.max_score:g} points"
                 if result.has_score else f"not graded: no score out of {result.max_score:g} points")
    lines += [f"time limit: {_line(what)}" for what in result.extra.get("timeouts", [])]
    lines += [f"note: {_line(note)}" for note in result.extra.get("notes", [])]
    if result.output.strip():
        lines.append("\nWhat your code printed:\n" + terminal_safe(result.output.rstrip()))
    return "\n".join(lines)


class _Progress:
    """A tqdm bar on a terminal; silent otherwise."""

    def __init__(self):
        self._bar = None

    def start(self, todo: int, reused: int) -> None:
        if sys.stderr.isatty() and todo:
            from tqdm import tqdm  # noqa: PLC0415

            self._bar = tqdm(total=todo, unit="sub", desc="grading", file=sys.stderr, leave=False)

    def update(self, result: SubmissionResult) -> None:
        if self._bar is not None:
            self._bar.update(1)
            score = f"{result.score:g}" if result.has_score else "not graded"
            self._bar.set_postfix_str(f"{_line(result.student_id)}: {score}", refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@contextlib.contextmanager
def progress_bar():
    bar = _Progress()
    try:
        yield bar
    finally:
        bar.close()


def _rows(n: int) -> str:
    return f"{n} earlier row{'' if n == 1 else 's'}"


def _scores_line(results: list[SubmissionResult], full: float) -> list[str]:
    """Mean, median, full marks and zeros of the rows that have a score; how many have none (the grader failed)."""
    scores = sorted(r.score for r in results if r.has_score)
    n, unscored = len(scores), len(results) - len(scores)
    if not results:
        return []
    line = "  scores: none"
    if n:
        line = (f"  scores: mean {sum(scores) / n:.2f} / {full:g}, median {scores[n // 2]:g}, "
                f"full marks {sum(s >= full for s in scores)}, zero {sum(s == 0 for s in scores)}")
    return [line + (f", not graded {unscored}" if unscored else "")]


def _problem_line(r: SubmissionResult) -> str:
    status = r.status if r.has_score else f"{r.status} (not graded, no score)"
    return f"  ! {_line(r.student_id)}: {status}: {_line(r.message.splitlines()[0]) if r.message else ''}"


def written_line(count) -> str:
    """How far the scoring of written answers has come (a `WrittenCount`), for the summaries."""
    empty = f" ({count.unanswered} without an answer, scored 0 when merged)" if count.unanswered else ""
    return f"{count.scored} of {count.answers} scored{empty}"


def merge_summary(merged) -> str:
    """What `autograder merge-manual` prints (a `reports.merge.Merged`)."""
    count = merged.count
    empty = f" ({count.unanswered} without an answer: scored 0)" if count.unanswered else ""
    lines = [f"Final grades (automatic + written): {merged.path}",
             f"  {count.scored} of {count.answers} answers scored{empty}; comments are in the feedback"]
    return "\n".join(lines + [f"  note: {_line(note)}" for note in merged.notes])


def _time_limits_line(results: list[SubmissionResult]) -> list[str]:
    """The graded submissions that lost tests to a time limit (a call that did not finish, or all their time
    used up): graded, and yet not on their code's merits alone."""
    lost = sorted(r.student_id for r in results if r.graded and r.extra.get("timeouts"))
    if not lost:
        return []
    shown = ", ".join(map(_line, lost[:10])) + (" ..." if len(lost) > 10 else "")
    return [f"  time limits: {len(lost)} graded submission{'' if len(lost) == 1 else 's'} lost tests to them "
            f"(see tests.csv): {shown}"]


def batch_summary(batch) -> str:
    """The one-screen summary printed after `autograder grade`."""
    results = batch.results
    n = len(results)
    lines = [f"{batch.assignment.name}: {n} submissions in {batch.seconds:.1f} s "
             f"({n - batch.reused - batch.kept} graded now, {batch.reused} unchanged since the last run)"]
    lines += _scores_line(results, batch.assignment.max_score)
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    lines.append("  status: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    if batch.kept:
        lines.append(f"  {_rows(batch.kept)} kept (students not in this folder; --replace drops them)")
    if batch.dropped:
        shown = ", ".join(map(_line, batch.dropped[:10])) + (" ..." if len(batch.dropped) > 10 else "")
        lines.append(f"  {_rows(len(batch.dropped))} dropped (--replace): {shown}")
    lines += _time_limits_line(results)
    lines += [_problem_line(r) for r in batch.not_graded[:10]]
    if len(batch.not_graded) > 10:
        lines.append(f"  ! ... and {len(batch.not_graded) - 10} more (see grades.csv)")
    if batch.isolation_warning:
        lines.append(f"  warning: {batch.isolation_warning}")
    lines += [f"  note: {_line(note)}" for note in batch.notes]
    files = batch.files
    lines.append(f"Report: {files.get('report')}")
    lines.append(f"Grades: {files.get('grades')}  Tests: {files.get('tests')}  Feedback: {files.get('feedback')}/")
    if files.get("similarity_html"):
        lines.append(f"Similar pairs: {files['similarity_html']} (every pair: {files['similarity_csv']})")
    if files.get("review"):
        lines.append(f"Written answers to score: {files['review']} (read them in {files['review_html']}), "
                     f"then: autograder merge-manual {files['review']} --out {batch.out_dir}")
        if batch.written:
            lines.append(f"  written answers: {written_line(batch.written)}")
    return "\n".join(lines)
