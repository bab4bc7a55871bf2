"""The code every student starts from: what similarity between submissions leaves out, so that the stubs and
docstrings all of them were handed never make two students look alike.

For each file an assignment expects it gathers the template as handed out (`student_template/<name>/`: the
`.py` file and the code of its notebook) and the template the reference generates now (`stubs`, and the
notebook `autograder release` would build from it), so that a template changed since it was handed out is
still recognised. A notebook's code is taken as the grader takes a submitted one's (`grading.notebooks`).
"""
from __future__ import annotations

import nbformat

from autograder.authoring.notebooks import build_notebook, notebook_name
from autograder.authoring.stubs import template_files
from autograder.core.course import Assignment
from autograder.grading.notebooks import read_submitted
from autograder.grading.resolve import notebook_twin


def notebook_code(data: bytes, label: str) -> str:
    """A notebook's code cells joined as a submitted notebook's are (`grading.submissions`); '' if unreadable."""
    try:
        return "\n\n".join(read_submitted(data, label).cells)
    except ValueError:
        return ""


def _handed_out(assignment: Assignment, name: str) -> list[str]:
    """The template file `name` and its notebook's code, as they are in student_template/ (if they are)."""
    texts = []
    for path in (assignment.template_dir / name, assignment.template_dir / notebook_twin(name)):
        if path.is_file():
            data = path.read_bytes()
            texts.append(notebook_code(data, path.name) if path.suffix == ".ipynb" else data.decode("utf-8", "replace"))
    return texts


def _generated(assignment: Assignment) -> dict[str, list[str]]:
    """Each expected file's template as the reference generates it now, and its notebook's code (one file only,
    as `release` builds notebooks); nothing without a reference."""
    if not all((assignment.reference_dir / name).is_file() for name in assignment.files):
        return {}
    stubs = template_files(assignment.reference_dir, assignment.files)
    out = {name: [text] for name, text in stubs.items()}
    if len(assignment.files) == 1:
        name = assignment.files[0]
        notebook = nbformat.writes(build_notebook(assignment, stubs[name], notebook_name(assignment)))
        out[name].append(notebook_code(notebook.encode("utf-8"), notebook_name(assignment)))
    return out


def starting_code(assignment: Assignment) -> dict[str, list[str]]:
    """Expected file name -> the texts of it that every student was given (templates and notebooks' code)."""
    generated = _generated(assignment)
    return {name: [t for t in (*_handed_out(assignment, name), *generated.get(name, ())) if t.strip()]
            for name in assignment.files}
