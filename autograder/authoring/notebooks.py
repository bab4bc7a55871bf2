"""Notebooks built from the reference (one source of truth); reading a submitted one is `grading.notebooks`.

A generated notebook has: the assignment's instructions (the module
docstring), one code cell per top-level block of the (reference or stub)
file, the assignment's extra cells (`assignments/<name>/notebook.py`, in the
`# %%` percent format: plots of what the student computed), one Markdown
answer cell per written question (marked in its metadata), and a
self-check cell.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

from autograder.authoring.stubs import make_stub
from autograder.core.course import Assignment
from autograder.grading.notebooks import ANSWER_KEY, ANSWER_PLACEHOLDER, SELF_CHECK_KEY


def split_blocks(source: str) -> tuple[str, list[str]]:
    """(module docstring, code blocks): imports together, then each top-level def/class/statement group."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    body = list(tree.body)
    docstring = ""
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        docstring = body[0].value.value
        body = body[1:]
    blocks: list[list[int]] = []  # [start, end) line ranges, 0-based
    previous_end = body[0].lineno - 1 if body else 0
    if docstring and tree.body:
        previous_end = tree.body[0].end_lineno
    for node in body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        # comments and blank lines just above a block belong to it
        while start > previous_end and lines[start - 1].strip().startswith("#"):
            start -= 1
        kind = "import" if isinstance(node, (ast.Import, ast.ImportFrom)) else "def" if isinstance(
            node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) else "stmt"
        if blocks and kind != "def" and blocks[-1][2] == kind:
            blocks[-1][1] = node.end_lineno
        else:
            blocks.append([start, node.end_lineno, kind])
        previous_end = node.end_lineno
    cells = ["".join(lines[a:b]).strip("\n") for a, b, _ in blocks]
    return docstring, [c for c in cells if c.strip()]


def percent_cells(text: str) -> list[tuple[str, str]]:
    """(kind, source) cells of a `# %%` file; `# %% [markdown]` cells have their '# ' prefixes removed."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            cells.append(("markdown" if "[markdown]" in line else "code", []))
        elif cells:
            cells[-1][1].append(line)
    out = []
    for kind, body in cells:
        if kind == "markdown":
            body = [re.sub(r"^# ?", "", line) for line in body]
        source = "\n".join(body).strip("\n")
        if source:
            out.append((kind, source))
    return out


def guarded(source: str) -> str:
    """An extra (plot) cell that Run All gets past while a function it uses still raises NotImplementedError:
    it says which one instead, so that the cells after it, the self-check too, still run."""
    body = "\n".join(f"    {line}" if line.strip() else "" for line in source.splitlines())
    return (f"try:  # runs once the functions it uses are written; until then it says which one is missing\n{body}\n"
            "except NotImplementedError as exc:\n"
            "    import traceback\n"
            "    print(f\"Not plotted yet: `{traceback.extract_tb(exc.__traceback__)[-1].name}` is not implemented "
            "(run this cell again once it is).\")")


def _cell_id(kind: str, index: int) -> str:
    return f"{kind}-{index:03d}"


def build_notebook(assignment: Assignment, source: str, notebook_name: str) -> nbformat.NotebookNode:
    """The notebook for `source` (a reference or a stub file's text); deterministic, ids included."""
    docstring, blocks = split_blocks(source)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}, "autograder": {"assignment": assignment.name}}
    cells = [nbformat.v4.new_markdown_cell(
        f"# {assignment.title} ({assignment.name})\n\n{docstring.strip()}\n\n"
        "Fill in every cell that raises `NotImplementedError`; keep the function names. "
        "Run the self-check at the end as often as you like (save the notebook first): it tests this notebook "
        f"as saved. Work either here or in `{Path(notebook_name).with_suffix('.py').name}`, not both: the one you "
        "changed is graded.")]
    cells += [nbformat.v4.new_code_cell(block) for block in blocks]
    extra = assignment.root / "notebook.py"
    if extra.is_file():
        for kind, text in percent_cells(extra.read_text("utf-8")):
            cells.append(nbformat.v4.new_markdown_cell(text) if kind == "markdown"
                         else nbformat.v4.new_code_cell(guarded(text)))
    if assignment.questions:
        cells.append(nbformat.v4.new_markdown_cell(
            "## Written answers\n\nAnswer each question in the cell below it. These are graded by a person."))
    for q in assignment.questions:
        cells.append(nbformat.v4.new_markdown_cell(f"### Question {q.id} ({q.points:g} points)\n\n{q.prompt}"))
        answer = nbformat.v4.new_markdown_cell(ANSWER_PLACEHOLDER)
        answer.metadata[ANSWER_KEY] = q.id
        cells.append(answer)
    cells.append(nbformat.v4.new_markdown_cell("## Self-check\n\nRuns the public tests on the saved notebook."))
    # No file name: the self-check finds the notebook it runs in (a renamed copy checks itself).
    self_check = nbformat.v4.new_code_cell(f"from autograder import check\ncheck({assignment.name!r})")
    self_check.metadata[SELF_CHECK_KEY] = True
    cells.append(self_check)
    for index, cell in enumerate(cells):
        cell.id = _cell_id(cell.cell_type, index)
    nb.cells = cells
    return nb


def notebook_name(assignment: Assignment) -> str:
    return Path(assignment.files[0]).with_suffix(".ipynb").name


def notebook_texts(assignment: Assignment) -> dict[str, str]:
    """Relative path -> text of both generated notebooks: reference (solved) and template (stubs)."""
    name = notebook_name(assignment)
    source = (assignment.reference_dir / assignment.files[0]).read_text("utf-8")
    out = {}
    for folder, text in (("reference", source), ("student_template", make_stub(source))):
        nb = build_notebook(assignment, text, name)
        out[f"{folder}/{assignment.name}/{name}"] = nbformat.writes(nb) + "\n"
    return out


