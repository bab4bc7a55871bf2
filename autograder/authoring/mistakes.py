"""An assignment's typical mistakes, as its course defines them: `reference/<name>/mistakes.toml`.

Each entry is the reference with one edit, named and described for a student:

    [sigmoid_derivative_forgotten]
    concept = "the sigmoid's derivative in the backward pass"
    description = "the backward pass goes through the sigmoid as if its derivative were 1"
    loses = ["test_sigmoid_derivative_is_used", ...]      # the tests it must lose, and no others
    old = "return grad_a * a * (1.0 - a)"                 # must occur exactly once in the reference
    new = "return grad_a"
    file = "backprop.py"                                  # only needed for an assignment of several files

The file sits beside the reference, never beside the tests: its edits quote the solution, and the
assignment's folder travels (to Gradescope, to a cluster). `autograder release` records the answers
of these mistakes for the feedback (`grading.diagnosis`); `description` is what a student reads there,
so it is words: a decimal number in it is refused.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.core.course import Assignment
from autograder.core.errors import AutograderError

MANIFEST = "mistakes.toml"
REQUIRED = ("concept", "description", "loses", "old", "new")
DECIMAL = re.compile(r"\d[.,]\d|\d[eE][-+]?\d")  # 0.25, 1e-3: a value, never words


@dataclass(frozen=True)
class Typical:
    """One typical mistake: its name, what it gets wrong, the tests it loses and the files it gives."""

    name: str
    concept: str
    description: str
    loses: tuple[str, ...]
    files: dict[str, str]  # the reference's files with the edit made: a submission's files


def manifest_path(assignment: Assignment) -> Path:
    return assignment.reference_dir / MANIFEST


def mistake_source(reference: str, old: str, new: str, where: str) -> str:
    """The reference with `old` replaced by `new`; refused unless `old` occurs exactly once."""
    if reference.count(old) != 1:
        raise AutograderError(f"{where}: the reference no longer contains exactly one {old!r}; update {MANIFEST}")
    return reference.replace(old, new)


def read_manifest(path: Path) -> dict[str, dict]:
    """The entries of a `mistakes.toml`: name -> table; a clear error for anything malformed."""
    try:
        entries = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AutograderError(f"{path}: not valid TOML ({exc})") from None
    for name, entry in entries.items():
        missing = [key for key in REQUIRED if not isinstance(entry, dict) or key not in entry]
        if missing:
            raise AutograderError(f"{path}: [{name}] needs {', '.join(missing)}")
        if not str(entry["description"]).strip() or DECIMAL.search(str(entry["description"])):
            raise AutograderError(f"{path}: [{name}] description must be words a student reads, without a "
                                  f"decimal number: {entry['description']!r}")
    return entries


def typical_mistakes(assignment: Assignment) -> list[Typical]:
    """The assignment's typical mistakes, in the manifest's order; none without a manifest."""
    path = manifest_path(assignment)
    if not path.is_file():
        return []
    mistakes = []
    for name, entry in read_manifest(path).items():
        file = entry.get("file", assignment.files[0])
        if file not in assignment.files or (len(assignment.files) > 1 and "file" not in entry):
            raise AutograderError(f"{path}: [{name}] file must be one of {', '.join(assignment.files)}")
        reference = (assignment.reference_dir / file).read_text("utf-8")
        edited = mistake_source(reference, entry["old"], entry["new"], f"{path}: [{name}]")
        files = {f: edited if f == file else (assignment.reference_dir / f).read_text("utf-8") for f in assignment.files}
        mistakes.append(Typical(name, str(entry["concept"]), str(entry["description"]).strip(),
                                tuple(entry["loses"]), files))
    return mistakes
