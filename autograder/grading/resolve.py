"""Which of a student's uploaded files is which of the assignment's: one set of rules for a folder of
submissions, a platform's download and a Gradescope upload alike.

For each file the assignment expects (say `backprop.py`), the candidates are, in this order, the first
kind that exists anywhere in the entry (folders included):

1. files of that exact name, or of its notebook's (`backprop.ipynb`), also with a platform's duplicate
   mark (`backprop-1.py`: Canvas's name for a second file of one name);
2. the same names in another case (`Backprop.py`);
3. for an assignment of one file: the only `.py` file of the entry, or else its only notebook.

Among the candidates the shallowest is graded; at the same depth a `.py` file before its notebook. Two
candidates at the same depth and of the same kind (`a/backprop.py` and `b/backprop.py`, or
`backprop.py` and `backprop-1.py` side by side) are never guessed between: the entry is not graded,
and the message names both. Every candidate not graded, and a file graded under another name, is
named in the student's notes. The written answers are `answers.md` (the same rules, one level: beside
the graded file or at the top; else the only `.md` of an entry of one file). Hidden files (a leading
dot) and archives' debris (`__MACOSX`, `__pycache__`) are never candidates.

The rules see names only; the files are read afterwards as data (`core.safefiles`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

ANSWERS_FILE = "answers.md"
SKIPPED = {"__MACOSX", "__pycache__"}
DUPLICATE_MARK = re.compile(r"-\d+(?=\.[^.]+$)")


@dataclass(frozen=True)
class Resolved:
    """The entry's files by the name the grader reads them under (`backprop.py`, or `backprop.ipynb` for its
    notebook, and `answers.md`) -> their path in the entry; notes for the student; or why it cannot be graded."""

    files: dict[str, str]
    notes: tuple[str, ...] = ()
    problem: str = ""


def notebook_twin(name: str) -> str:
    return str(PurePosixPath(name).with_suffix(".ipynb"))


def candidate_paths(paths: list[str]) -> list[str]:
    """The paths that may be a submitted file: no hidden file, nothing in a hidden or debris folder."""
    return [p for p in paths if not any(part.startswith(".") or part in SKIPPED for part in PurePosixPath(p).parts)]


def _depth(path: str) -> int:
    return len(PurePosixPath(path).parts)


def _rounds(paths: list[str], name: str, single: bool) -> list[list[str]]:
    """The candidates of each rule, in order."""
    names = {name, notebook_twin(name)}
    folded = {n.casefold() for n in names}
    base = [DUPLICATE_MARK.sub("", PurePosixPath(p).name) for p in paths]
    rounds = [[p for p, b in zip(paths, base) if b in names],
              [p for p, b in zip(paths, base) if b.casefold() in folded]]
    if single:
        rounds += [[p for p in paths if p.endswith(".py")], [p for p in paths if p.endswith(".ipynb")]]
    return rounds


def _pick(candidates: list[str], name: str) -> tuple[str | None, list[str], str]:
    """(the path graded, the other candidates, a problem): the shallowest, a .py before its notebook."""
    rank = {p: (_depth(p), not p.endswith(".py")) for p in candidates}
    ordered = sorted(candidates, key=lambda p: (rank[p], p))
    tied = [p for p in ordered if rank[p] == rank[ordered[0]]]
    if len(tied) > 1:
        return None, [], (f"more than one file could be your {name} ({', '.join(tied)}): none of them was graded; "
                          f"hand in only one")
    return ordered[0], ordered[1:], ""


def resolve(expected: tuple[str, ...], paths: list[str], named_by_entry: bool = False) -> Resolved:
    """Match the entry's files (`paths`, relative, '/'-separated) to the `expected` file names.

    `named_by_entry`: the entry is one bare file named for the student (`s0001.py` in a folder of
    submissions): it is the expected file, and says so in no note."""
    paths = candidate_paths(paths)
    found, notes = {}, []
    for name in expected:
        candidates = next((r for r in _rounds(paths, name, len(expected) == 1) if r), [])
        if not candidates:
            listing = ", ".join(paths[:20]) + (" ..." if len(paths) > 20 else "") or "nothing"
            return Resolved({}, (), f"missing {name} (or its notebook {notebook_twin(name)}; found: {listing})")
        chosen, others, problem = _pick(candidates, name)
        if problem:
            return Resolved({}, (), problem)
        is_notebook = chosen.endswith(".ipynb")
        found[notebook_twin(name) if is_notebook else name] = chosen
        if PurePosixPath(chosen).name not in (name, notebook_twin(name)) and not named_by_entry:
            notes.append(f"graded {chosen} as your {notebook_twin(name) if is_notebook else name}")
        notes += [f"{other} was not used: {chosen} was graded as your {name}" for other in others]
    answers = _answers(paths, found, len(expected) == 1)
    if answers:
        found[ANSWERS_FILE] = answers
    return Resolved(found, tuple(notes))


def _answers(paths: list[str], found: dict[str, str], single: bool) -> str | None:
    """The written answers: `answers.md` beside the first graded file or at the top; else (in any case)."""
    first = PurePosixPath(next(iter(found.values()))).parent
    places = [str(first / ANSWERS_FILE) if str(first) != "." else ANSWERS_FILE, ANSWERS_FILE]
    exact = next((p for p in places if p in paths), None)
    if exact:
        return exact
    folded = [p for p in paths if PurePosixPath(p).name.casefold() == ANSWERS_FILE and _depth(p) <= 2]
    if folded:
        return sorted(folded, key=lambda p: (_depth(p), p))[0]
    markdown = [p for p in paths if p.lower().endswith(".md")]
    return markdown[0] if single and len(markdown) == 1 else None
