"""A submitted notebook, read on the grader's side: its code cells (run in order by the student's own process)
and its written answers; every problem is a clear `ValueError`, never a crash of the grader.

The cells a generated notebook marks (answers, the self-check) carry these metadata keys; the notebooks
themselves are built from the reference by `authoring.notebooks`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import nbformat
import numpy as np

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
    names: list[str] = field(default_factory=list)  # each code cell as `cell_name` names it


def cell_name(index: int, source: str) -> str:
    """A cell as a student finds it in Jupyter: its position among all cells (from 1) and its first line,
    cell 5 `def sigmoid(z):`; every message naming a cell uses this."""
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    first = first if len(first) <= 60 else first[:57] + "..."
    return f"cell {index + 1} `{first}`" if first else f"cell {index + 1} (empty)"


def json_nesting(data: bytes) -> int:
    """How deep a JSON text's arrays and objects nest (strings left out), without parsing it: json's parser
    recurses on the C stack, so under a raised recursion limit 100,000 levels would crash the grader."""
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
    cells, answers, notes, names = [], {}, [], []
    for index, cell in enumerate(nb.cells):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        name = cell_name(index, source)
        if cell.get("cell_type") == "code" and (cell.get("metadata", {}).get(SELF_CHECK_KEY)
                                                or "from autograder import" in source):
            notes.append(f"{name}: the self-check was not run (it is for your own machine)")
        elif cell.get("cell_type") == "code":
            kept = []
            for line in source.splitlines():
                if MAGIC.match(line):
                    notes.append(f"{name}: skipped `{line.strip()[:60]}` (IPython magic or shell command)")
                    kept.append("pass  # " + line.strip())
                else:
                    kept.append(line)
            cells.append("\n".join(kept))
            names.append(name)
        elif cell.get("cell_type") == "markdown":
            qid = cell.get("metadata", {}).get(ANSWER_KEY)
            if isinstance(qid, str):
                answers[qid] = "" if source.strip() == ANSWER_PLACEHOLDER else source.strip()
    return ReadNotebook(cells, answers, notes, names)
