"""Everything generated from the reference: templates, notebooks, the answers sheet, the oracles' stored
values. Never edited by hand."""
from __future__ import annotations

from pathlib import Path

from autograder.authoring.notebooks import notebook_texts
from autograder.authoring.stubs import template_files
from autograder.core.course import Assignment
from autograder.grading import oracles
from autograder.grading.collect import HIDDEN, PUBLIC, collect
from autograder.grading.notebooks import ANSWER_PLACEHOLDER
from autograder.grading.reference import run_reference
from autograder.grading.submissions import ANSWERS_FILE


def answers_sheet(assignment: Assignment) -> str:
    """The `answers.md` a student fills in when not working in the notebook."""
    lines = [f"# {assignment.title} ({assignment.name}): written answers", "",
             "Write each answer under its heading; keep the headings. These answers are graded by a person.", ""]
    for q in assignment.questions:
        lines += [f"## {q.id}", "", *[f"> {line}" for line in q.prompt.splitlines()],
                  f"> ({q.points:g} points)", "", ANSWER_PLACEHOLDER, ""]
    return "\n".join(lines)


def generated_files(assignment: Assignment) -> dict[Path, str]:
    """Path -> text of every file `autograder release` writes for an assignment."""
    root = assignment.course_root
    out = {assignment.template_dir / name: text
           for name, text in template_files(assignment.reference_dir, assignment.files).items()}
    if len(assignment.files) == 1:
        out.update({root / rel: text for rel, text in notebook_texts(assignment).items()})
    if assignment.questions:
        out[assignment.template_dir / ANSWERS_FILE] = answers_sheet(assignment)
    out.update(oracle_stores(assignment))
    return out


def oracle_stores(assignment: Assignment) -> dict[Path, str]:
    """The `oracles.json` files: every value the tests' oracles give while the tests run against the reference."""
    specs = collect(assignment, (PUBLIC, HIDDEN))
    return oracles.store_texts(oracles.record(lambda: run_reference(assignment, specs)))


def stale_files(assignment: Assignment) -> list[Path]:
    """Generated files that are missing or differ from what the reference generates now (oracle stores:
    values that disagree beyond the last bits a CPU may change; see `oracles.stores_agree`)."""
    return [path for path, text in generated_files(assignment).items() if not _current(path, text)]


def leaked_arguments(assignment: Assignment) -> list:
    """Arguments the tests send to the student's code that equal a value they check (see `leaks`): `release --check`
    fails on any."""
    from autograder.authoring.leaks import assignment_leaks  # noqa: PLC0415 (runs the reference: only when checking)

    return assignment_leaks(assignment)


def _current(path: Path, text: str) -> bool:
    if not path.is_file():
        return False
    committed = path.read_text("utf-8")
    return committed == text or (path.name == oracles.STORE and oracles.stores_agree(committed, text))


def write_release(assignment: Assignment) -> list[Path]:
    """Write every generated file; returns their paths."""
    written = []
    for path, text in generated_files(assignment).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        written.append(path)
    return written
