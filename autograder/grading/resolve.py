"""Which of a student's uploaded files is which of the assignment's: one set of rules for a folder of
submissions, a platform's download and a Gradescope upload alike.

For each file the assignment expects (say `backprop.py`), the candidates are, in this order, the first
kind that exists anywhere in the entry (folders included):

1. files of that exact name, or of its notebook's (`backprop.ipynb`), also with a platform's duplicate
   mark (`backprop-1.py`: Canvas's name for a second file of one name);
2. the same names in another case (`Backprop.py`);
3. for an assignment of one file: the only `.py` file of the entry, or else its only notebook.

A candidate that is the assignment's template, unchanged (the caller says which: `unchanged`), is graded
only when every candidate is: a student who worked in the notebook and left the untouched `backprop.py`
beside it gets the notebook graded. Among the candidates left the shallowest is graded. Two at the same
depth are never guessed between: two of one kind (`a/backprop.py` and `b/backprop.py`, or `backprop.py`
and `backprop-1.py` side by side), or a `.py` file and a notebook that both differ from the template
(or of which the caller knows nothing), get the entry not graded, with a message that names both and
says to hand in one; where both are the template unchanged, or the notebook defines every function and
class of the `.py` file beside it exactly as that file does (the caller says which: `mirrors`; a solved
notebook generated from the file, or one paired with it), the `.py` file. Every candidate not graded,
and a file graded under another name, is named in the student's notes. The written answers are `answers.md` (the same rules, one level: beside
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


def _pick(candidates: list[str], name: str, unchanged: frozenset[str],
          mirrors: frozenset[str]) -> tuple[str | None, list[str], str]:
    """(the path graded, the other candidates, a problem): what differs from the template before what does
    not; then the shallowest; a .py before its notebook only where both are the template unchanged, or the
    notebook holds the .py's very code."""
    changed = [p for p in candidates if p not in unchanged]
    pool = changed or candidates
    top = sorted(p for p in pool if _depth(p) == min(map(_depth, pool)))
    scripts, notebooks = [p for p in top if p.endswith(".py")], [p for p in top if not p.endswith(".py")]
    if changed and scripts and [p for p in notebooks if p not in mirrors]:
        return None, [], (f"both {', '.join(scripts)} and {', '.join(notebooks)} differ from the assignment's "
                          f"template, and either could be your {name}: none of them was graded; hand in only "
                          f"the one you worked on (delete or rename the other)")
    tied = scripts or notebooks
    if len(tied) > 1:
        return None, [], (f"more than one file could be your {name} ({', '.join(tied)}): none of them was graded; "
                          f"hand in only one")
    others = sorted((p for p in candidates if p != tied[0]), key=lambda p: (p not in pool, _depth(p), p))
    return tied[0], others, ""


def _why_not(path: str, unchanged: frozenset[str], mirrors: frozenset[str]) -> str:
    if path in unchanged:
        return " (it is the template as handed out, unchanged)"
    return " (it defines the same functions, the same way)" if path in mirrors else ""


def contenders(expected: tuple[str, ...], paths: list[str]) -> list[str]:
    """The paths among which `resolve` picks each expected file: where more than one could be it, the
    caller tells `resolve` which of these are the template unchanged."""
    paths = candidate_paths(paths)
    rounds = [next((r for r in _rounds(paths, name, len(expected) == 1) if r), []) for name in expected]
    return sorted({p for r in rounds if len(r) > 1 for p in r})


def resolve(expected: tuple[str, ...], paths: list[str], named_by_entry: bool = False,
            unchanged: frozenset[str] = frozenset(), mirrors: frozenset[str] = frozenset()) -> Resolved:
    """Match the entry's files (`paths`, relative, '/'-separated) to the `expected` file names.

    `named_by_entry`: the entry is one bare file named for the student (`s0001.py` in a folder of
    submissions): it is the expected file, and says so in no note. Of `contenders`, `unchanged`: the paths
    known to be the assignment's template as handed out; `mirrors`: the notebooks known to define what the
    .py file beside them defines, the same way."""
    paths = candidate_paths(paths)
    found, notes = {}, []
    for name in expected:
        candidates = next((r for r in _rounds(paths, name, len(expected) == 1) if r), [])
        if not candidates:
            listing = ", ".join(paths[:20]) + (" ..." if len(paths) > 20 else "") or "nothing"
            return Resolved({}, (), f"missing {name} (or its notebook {notebook_twin(name)}; found: {listing})")
        chosen, others, problem = _pick(candidates, name, unchanged, mirrors)
        if problem:
            return Resolved({}, (), problem)
        is_notebook = chosen.endswith(".ipynb")
        found[notebook_twin(name) if is_notebook else name] = chosen
        if PurePosixPath(chosen).name not in (name, notebook_twin(name)) and not named_by_entry:
            notes.append(f"graded {chosen} as your {notebook_twin(name) if is_notebook else name}")
        notes += [f"{other} was not used{_why_not(other, unchanged, mirrors)}: {chosen} was graded as your {name}"
                  for other in others]
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
