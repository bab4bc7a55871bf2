"""A folder of another assignment's work, told before anything is graded: `grade hw5` on hw2's submissions
would give every student 0 without a word.

Each entry is compared with every assignment of the course by the names of its files (a folder holding
`backprop.py` is hw2's) and by what its code defines (a `<id>.py` defining `sigmoid`, `backward` and
`numeric_gradients` is hw2's, whatever its name): an entry looks like the assignments whose files it holds,
else those of which it defines the largest share of the template's functions and classes. Only when no entry
looks like the assignment asked for, and some look like another, is it a usage error; an entry that looks
like nothing (empty, unreadable) is no evidence either way.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from autograder.core.course import Assignment, list_assignments
from autograder.core.errors import AutograderError
from autograder.core.safefiles import RefusedFile, list_tree
from autograder.grading.resolve import notebook_twin
from autograder.grading.submissions import Prepared

DEFINED = re.compile(r"^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)", re.MULTILINE)
SHOWN_NAMES = 5


@dataclass(frozen=True)
class Signature:
    """What an assignment's work is recognised by: its file names (and their notebooks'), casefolded, and the
    top-level functions and classes its template defines."""

    files: frozenset[str]
    names: frozenset[str]


def signature(assignment: Assignment) -> Signature:
    """An assignment's file names and the names its template (else its reference) defines."""
    files = frozenset(n.casefold() for f in assignment.files for n in (f, notebook_twin(f)))
    names: set[str] = set()
    for folder in (assignment.template_dir, assignment.reference_dir):
        for name in assignment.files:
            path = folder / name
            if path.is_file():
                names |= set(DEFINED.findall(path.read_text("utf-8", "replace")))
        if names:
            break
    return Signature(files, frozenset(names))


def _file_names(entry: Prepared) -> set[str]:
    """The casefolded names of the files in a folder entry (a `<id>.py` entry's name is the student's id)."""
    if not entry.source.is_dir() or entry.source.is_symlink():
        return set()
    try:
        return {Path(rel).name.casefold() for rel in list_tree(entry.source.parent, entry.source.name)}
    except (OSError, RefusedFile):
        return set()


def looks_like(entry: Prepared, known: dict[str, Signature]) -> set[str]:
    """The assignments this entry looks like: those whose files it holds, else those of which its code defines
    the largest share of names; empty when it looks like none."""
    files = _file_names(entry)
    by_file = {name for name, sig in known.items() if sig.files & files}
    if by_file:
        return by_file
    defined = set().union(*(DEFINED.findall(code) for code in entry.files.values())) if entry.ok else set()
    shares = {name: len(sig.names & defined) / len(sig.names) for name, sig in known.items() if sig.names}
    best = max(shares.values(), default=0.0)
    return {name for name, share in shares.items() if share == best} if best > 0 else set()


def other_assignment(assignment: Assignment, prepared: list[Prepared]) -> Assignment | None:
    """The assignment the entries look like when none looks like `assignment`; None when some do, or when
    nothing tells."""
    course = {a.name: a for a in list_assignments(assignment.course_root)}
    known = {name: signature(a) for name, a in course.items()}
    if assignment.name not in known or not known[assignment.name].names:
        return None
    votes: Counter[str] = Counter()
    for entry in prepared:
        seen = looks_like(entry, known)
        if assignment.name in seen:
            return None
        votes.update(seen)
    return course[votes.most_common(1)[0][0]] if votes else None


def _files_text(assignment: Assignment) -> str:
    files = ", ".join(assignment.files)
    twins = ", ".join(notebook_twin(f) for f in assignment.files)
    return f"{files} (or {twins})"


def refuse_other_assignment(assignment: Assignment, prepared: list[Prepared], submissions: Path | str,
                            out_dir: Path) -> None:
    """A usage error, before anything is graded, when the entries are another assignment's work: which one,
    and the command that grades them as it (`submissions` as the command line named them)."""
    other = other_assignment(assignment, prepared)
    if other is None:
        return
    names = sorted(n for n in signature(assignment).names if not n.startswith("_"))
    shown = ", ".join(names[:SHOWN_NAMES]) + (", ..." if len(names) > SHOWN_NAMES else "")
    none = (f"none of the {len(prepared)} entries holds {_files_text(assignment)} or defines"
            if len(prepared) > 1 else f"its only entry neither holds {_files_text(assignment)} nor defines")
    they = "they look" if len(prepared) > 1 else "it looks"
    raise AutograderError(
        f"{submissions}: {none} what {assignment.name} asks for ({shown}); {they} like {other.name}'s "
        f"({', '.join(other.files)}): `autograder grade {other.name} {submissions} --out {out_dir}` "
        f"(or give the folder of {assignment.name}'s submissions)")
