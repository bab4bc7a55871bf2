"""Find and read submissions: one entry per student, checked before any code runs.

An entry is a folder named by the student's id holding that student's
files, or, when the assignment has one submitted file, a single
`<id>.py` file. Problems become a status and a message, never an exception:
nothing a student hands in can stop the batch.
"""
from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .course import Assignment
from .errors import AutograderError

MAX_FILE_BYTES = 2_000_000
SOURCE_SUFFIXES = (".py",)


@dataclass(frozen=True)
class Prepared:
    """A submission's files as text, ready to be copied into its sandbox; or why it is not."""

    student_id: str
    source: Path
    files: dict[str, str]
    digest: str
    status: str = "ok"
    message: str = ""


def _digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()[:16]


def _invalid(student_id: str, source: Path, message: str, digest: str = "") -> Prepared:
    return Prepared(student_id, source, {}, digest, "invalid", message)


def read_entry(assignment: Assignment, student_id: str, source: Path) -> Prepared:
    """Read one student's entry: the expected files, as UTF-8 text, under the size limit."""
    raw: dict[str, bytes] = {}
    if source.is_dir():
        present = sorted(p.name for p in source.iterdir() if not p.name.startswith("."))
        missing = [f for f in assignment.files if not (source / f).is_file()]
        if missing:
            found = ", ".join(present) or "nothing"
            return _invalid(student_id, source, f"missing {', '.join(missing)} (found: {found})")
        for name in assignment.files:
            raw[name] = (source / name).read_bytes()[: MAX_FILE_BYTES + 1]
    elif source.suffix in SOURCE_SUFFIXES and len(assignment.files) == 1:
        raw[assignment.files[0]] = source.read_bytes()[: MAX_FILE_BYTES + 1]
    else:
        expected = ", ".join(assignment.files)
        return _invalid(student_id, source, f"{source.name} is not a submission of {expected}")
    digest = _digest(raw)
    files = {}
    for name, data in raw.items():
        if len(data) > MAX_FILE_BYTES:
            return _invalid(student_id, source, f"{name} is larger than {MAX_FILE_BYTES} bytes", digest)
        try:
            files[name] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _invalid(student_id, source, f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8", digest)
    problem = forbidden_imports(assignment, files)
    if problem:
        return Prepared(student_id, source, files, digest, "forbidden_import", problem)
    return Prepared(student_id, source, files, digest)


def forbidden_imports(assignment: Assignment, files: dict[str, str]) -> str:
    """A message naming the first import the assignment forbids, or ''."""
    if not assignment.forbid_imports:
        return ""
    for name, text in files.items():
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return ""  # reported with its line when the file is imported
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "__import__", "import_module") and node.args and isinstance(node.args[0], ast.Constant):
                modules = [str(node.args[0].value)]
            for module in modules:
                if module.split(".")[0] in assignment.forbid_imports:
                    return (f"{name}:{node.lineno} imports {module}, which this assignment forbids: "
                            f"compute the gradients yourself with NumPy")
    return ""


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
