"""Find and read submissions: one entry per student, checked before any code runs.

An entry is a folder named by the student's id holding that student's
files, or, when the assignment has one submitted file, a single
`<id>.py` file. Problems become a status and a message, never an exception:
nothing a student hands in can stop the batch.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .course import Assignment
from .errors import AutograderError
from .notebooks import read_submitted

MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True)
class Prepared:
    """A submission's files as text, ready to be copied into its sandbox; or why it is not.

    For a notebook, `cells` holds its code cells (run in order) and `files` the
    code joined, for the static checks.
    """

    student_id: str
    source: Path
    files: dict[str, str]
    digest: str
    status: str = "ok"
    message: str = ""
    cells: tuple[str, ...] | None = None
    answers: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def _digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()[:16]


def _invalid(student_id: str, source: Path, message: str, digest: str = "") -> Prepared:
    return Prepared(student_id, source, {}, digest, "invalid", message)


ANSWERS_FILE = "answers.md"


def _locate(assignment: Assignment, source: Path) -> tuple[dict[str, Path], str]:
    """Expected file name -> the path holding it (a `.py`, or its `.ipynb` twin); or a problem."""
    if source.is_dir():
        found, missing = {}, []
        for name in assignment.files:
            twin = (source / name).with_suffix(".ipynb")
            path = source / name if (source / name).is_file() else twin if twin.is_file() else None
            if path is None:
                missing.append(name)
            else:
                found[name] = path
        if missing:
            present = ", ".join(sorted(p.name for p in source.iterdir() if not p.name.startswith("."))) or "nothing"
            return {}, f"missing {', '.join(missing)} (or its notebook; found: {present})"
        return found, ""
    if source.suffix in (".py", ".ipynb") and len(assignment.files) == 1:
        return {assignment.files[0]: source}, ""
    return {}, f"{source.name} is not a submission of {', '.join(assignment.files)} (a .py or .ipynb)"


def read_entry(assignment: Assignment, student_id: str, source: Path) -> Prepared:
    """Read one student's entry: the expected files (or notebooks), as UTF-8 text, under the size limits."""
    located, problem = _locate(assignment, source)
    if problem:
        return _invalid(student_id, source, problem)
    raw = {name: path.read_bytes() for name, path in located.items()}
    answers_path = source / ANSWERS_FILE if source.is_dir() else None
    if answers_path is not None and answers_path.is_file():
        raw[ANSWERS_FILE] = answers_path.read_bytes()[: MAX_FILE_BYTES + 1]
    digest = _digest(raw)
    files, cells, answers, notes = {}, None, {}, []
    for name, path in located.items():
        data = raw[name]
        if path.suffix == ".ipynb":
            try:
                notebook = read_submitted(data, path.name)
            except ValueError as exc:
                return _invalid(student_id, source, str(exc), digest)
            cells, answers, notes = tuple(notebook.cells), notebook.answers, notebook.notes
            files[name] = "\n\n".join(notebook.cells)
            continue
        if len(data) > MAX_FILE_BYTES:
            return _invalid(student_id, source, f"{name} is larger than {MAX_FILE_BYTES} bytes", digest)
        try:
            files[name] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _invalid(student_id, source, f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8", digest)
    if ANSWERS_FILE in raw:
        answers = {**parse_answers(raw[ANSWERS_FILE].decode("utf-8", "replace")), **answers}
    # Forbidden imports are refused by the student's process itself, before any of the code runs (`child`).
    return Prepared(student_id, source, files, digest, cells=cells, answers=answers, notes=tuple(notes))


def parse_answers(text: str) -> dict[str, str]:
    """Answers from an `answers.md`: a `## <question id>` heading, then the answer (quoted prompt lines dropped)."""
    answers: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip().split()[0] if line[3:].strip() else None
            if current:
                answers[current] = []
        elif current is not None and not line.startswith(">"):
            answers[current].append(line)
    placeholder = "*Write your answer here.*"
    return {q: "\n".join(lines).strip() for q, lines in answers.items()
            if "\n".join(lines).strip() not in ("", placeholder)}


def discover(assignment: Assignment, folder: Path) -> list[tuple[str, Path]]:
    """(student id, entry path) for every entry; `AutograderError` for an unusable folder."""
    if not folder.exists():
        raise AutograderError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise AutograderError(f"{folder}: not a folder of submissions")
    entries: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")):
            continue
        student_id = path.name if path.is_dir() else path.stem
        entries.setdefault(student_id, []).append(path)
    if not entries:
        raise AutograderError(f"{folder}: no submissions in it")
    dupes = {sid: paths for sid, paths in entries.items() if len(paths) > 1}
    if dupes:
        listing = "; ".join(f"{sid}: {', '.join(p.name for p in ps)}" for sid, ps in sorted(dupes.items()))
        raise AutograderError(f"{folder}: more than one entry for a student ({listing}); keep one each")
    return [(sid, paths[0]) for sid, paths in sorted(entries.items())]
