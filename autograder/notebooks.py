"""Notebooks: built from the reference (one source of truth), read back as code cells and written answers.

A generated notebook has: the assignment's instructions (the module
docstring), one code cell per top-level block of the (reference or stub)
file, the assignment's extra cells (`assignments/<name>/notebook.py`, in the
`# %%` percent format: plots of what the student computed), one Markdown
answer cell per written question (marked in its metadata), and a
self-check cell. A submitted notebook is read with nbformat on the grader's
side; only the text of its code cells travels to the student's process.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import Assignment
from .stubs import make_stub

ANSWER_KEY = "autograder_question"
SELF_CHECK_KEY = "autograder_self_check"
ANSWER_PLACEHOLDER = "*Write your answer here.*"
MAGIC = re.compile(r"^\s*(%|!|get_ipython\()")
MAX_NOTEBOOK_BYTES = 1 << 30
MAX_NESTING = 100  # a notebook's JSON nests a few levels (widget states a few dozen)
JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)  # the unrolled loop: fast on long strings
NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


@dataclass(frozen=True)
class ReadNotebook:
    """What the grader takes from a submitted notebook."""

    cells: list[str]
    answers: dict[str, str]
    notes: list[str] = field(default_factory=list)


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
        "Run the self-check at the end as often as you like (save the notebook first).")]
    cells += [nbformat.v4.new_code_cell(block) for block in blocks]
    extra = assignment.root / "notebook.py"
    if extra.is_file():
        for kind, text in percent_cells(extra.read_text("utf-8")):
            maker = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
            cells.append(maker(text))
    if assignment.questions:
        cells.append(nbformat.v4.new_markdown_cell(
            "## Written answers\n\nAnswer each question in the cell below it. These are graded by a person."))
    for q in assignment.questions:
        cells.append(nbformat.v4.new_markdown_cell(f"### Question {q.id} ({q.points:g} points)\n\n{q.prompt}"))
        answer = nbformat.v4.new_markdown_cell(ANSWER_PLACEHOLDER)
        answer.metadata[ANSWER_KEY] = q.id
        cells.append(answer)
    cells.append(nbformat.v4.new_markdown_cell("## Self-check\n\nRuns the public tests on the saved notebook."))
    self_check = nbformat.v4.new_code_cell(f"from autograder import check\ncheck({assignment.name!r}, {notebook_name!r})")
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


def json_nesting(data: bytes) -> int:
    """How deep a JSON text's arrays and objects nest (strings left out), without parsing it: json's parser
    recurses on the C stack, so under a raised recursion limit 100,000 levels would crash the grader."""
    import numpy as np  # noqa: PLC0415

    brackets = np.frombuffer(JSON_STRING.sub(b"", data).translate(None, NOT_A_BRACKET), np.uint8)
    deepest = level = 0
    for start in range(0, len(brackets), 1 << 24):  # '[' and '{' have bit 1 set, ']' and '}' do not
        depth = level + np.cumsum((brackets[start:start + (1 << 24)] & 2).astype(np.int64) - 1)
        deepest, level = max(deepest, int(depth.max())), int(depth[-1])
    return deepest


def _notebook_json(data: bytes, file_name: str) -> dict:
    """The notebook's JSON, checked to be nbformat 4 with a list of cells; ValueError with a clear reason."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"{file_name} is larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{file_name} is not UTF-8 text") from None
    if json_nesting(data) > MAX_NESTING:
        raise ValueError(f"{file_name} is not a valid notebook: its JSON is nested too deeply")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{file_name} is not a valid notebook: not JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise ValueError(f"{file_name} is not a valid notebook: its JSON is nested too deeply") from None
    if not isinstance(raw, dict) or raw.get("nbformat") != 4 or not isinstance(raw.get("cells"), list):
        version = raw.get("nbformat") if isinstance(raw, dict) else None
        raise ValueError(f"{file_name} is not an nbformat 4 notebook (nbformat: {version!r}); "
                         "open and save it in a current Jupyter")
    odd = next((i for i, cell in enumerate(raw["cells"]) if not isinstance(cell, dict)), None)
    if odd is not None:
        raise ValueError(f"{file_name} is not a valid notebook: its cell {odd + 1} is not a cell")
    return raw


def read_submitted(data: bytes, file_name: str) -> ReadNotebook:
    """Code cells (magics and shell escapes dropped, and noted) and answers; ValueError with a clear reason."""
    raw = _notebook_json(data, file_name)
    for cell in raw["cells"]:  # outputs can be hundreds of MB: they are never needed
        cell.pop("outputs", None)
        cell.setdefault("metadata", {})
    nb = nbformat.from_dict(raw)
    cells, answers, notes = [], {}, []
    for index, cell in enumerate(nb.cells):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "code" and (cell.get("metadata", {}).get(SELF_CHECK_KEY)
                                                or "from autograder import" in source):
            notes.append(f"cell {index + 1}: the self-check was not run (it is for your own machine)")
        elif cell.get("cell_type") == "code":
            kept = []
            for line in source.splitlines():
                if MAGIC.match(line):
                    notes.append(f"cell {index + 1}: skipped `{line.strip()[:60]}` (IPython magic or shell command)")
                    kept.append("pass  # " + line.strip())
                else:
                    kept.append(line)
            cells.append("\n".join(kept))
        elif cell.get("cell_type") == "markdown":
            qid = cell.get("metadata", {}).get(ANSWER_KEY)
            if isinstance(qid, str):
                answers[qid] = "" if source.strip() == ANSWER_PLACEHOLDER else source.strip()
    return ReadNotebook(cells, answers, notes)
