"""Find and read submissions: one entry per student, checked before any code runs.

An entry is a folder named by the student's id holding that student's
files, or, when the assignment has one submitted file, a single
`<id>.py` file. Problems become a status and a message, never an exception:
nothing a student hands in can stop the batch.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.core.course import Assignment
from autograder.core.errors import AutograderError
from autograder.core.safefiles import RefusedFile, list_tree, read_regular_file, refusal, too_large
from autograder.grading.notebooks import MAX_NOTEBOOK_BYTES, ReadNotebook, read_submitted
from autograder.grading.resolve import ANSWERS_FILE, DUPLICATE_MARK, Resolved, contenders, notebook_twin, resolve

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
    cell_names: tuple[str, ...] = ()  # each of `cells` as the student finds it (`grading.notebooks.cell_name`)
    answers: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    graded: tuple[str, ...] = ()  # the files graded, as the student named them (`hw2/backprop.ipynb`)

    @property
    def ok(self) -> bool:
        """Its files were read: its code can run (else `status` and `message` say why not)."""
        return self.status == "ok"


def _digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()[:16]


def _invalid(student_id: str, source: Path, message: str, digest: str = "") -> Prepared:
    """An entry that is not graded; without its files' digest, keyed by the reason (a new reason: a new row)."""
    return Prepared(student_id, source, {}, digest or _digest({"invalid": message.encode()}), "invalid", message)




@dataclass(frozen=True)
class EntryNotes:
    """What is known of an entry before it is read (from a platform download's import): notes for the
    student, or the reason it cannot be graded."""

    notes: tuple[str, ...] = ()
    problem: str = ""


def size_limit(name: str) -> int:
    """The most bytes read of a submitted file: a notebook carries its outputs, code and answers do not."""
    return MAX_NOTEBOOK_BYTES if name.endswith(".ipynb") else MAX_FILE_BYTES


def _locate(assignment: Assignment, source: Path) -> Resolved:
    """Each file to read, under the name `prepare_files` takes (`toy.py`, or `toy.ipynb` for its notebook,
    and `answers.md`) -> its path inside the entry's parent (`resolve`'s rules); or a problem. Nothing is
    followed through a link."""
    mode = os.lstat(source).st_mode
    if stat.S_ISDIR(mode):
        paths = list_tree(source.parent, source.name)
        seen = {p: _read_graded(source, p) for p in contenders(assignment.files, paths)}
        unchanged = frozenset(p for p, graded in seen.items() if graded == _template_of(assignment, p))
        resolved = resolve(assignment.files, paths, unchanged=unchanged, mirrors=_mirrors(seen))
        return Resolved({name: f"{source.name}/{rel}" for name, rel in resolved.files.items()}, resolved.notes,
                        resolved.problem)
    if stat.S_ISLNK(mode):
        return Resolved({}, (), refusal(source.name, mode))
    if source.suffix in (".py", ".ipynb") and len(assignment.files) == 1:
        return resolve(assignment.files, [source.name], named_by_entry=True)
    return Resolved({}, (), f"{source.name} is not a submission of {', '.join(assignment.files)} (a .py or .ipynb)")


def _what_is_graded(name: str, data: bytes) -> tuple | None:
    """What grading reads of a file, to compare it with another: a script's code, a notebook's code cells, and
    its written answers (outputs and metadata aside, line ends and trailing blanks too); None when it cannot be
    read (then it is like no other file)."""
    try:
        if name.endswith(".ipynb"):
            notebook = read_submitted(data, name)
            return tuple(c.strip() for c in notebook.cells), tuple(sorted(notebook.answers.items()))
        return (data.decode("utf-8").strip().replace("\r\n", "\n"),), ()
    except Exception:  # noqa: BLE001 (whatever it is, it is like no other file)
        return None


def _read_graded(source: Path, rel: str) -> tuple | None:
    try:
        return _what_is_graded(rel, read_regular_file(source.parent, f"{source.name}/{rel}", size_limit(rel)))
    except (RefusedFile, OSError, MemoryError):
        return None  # read again, and refused with its reason, if it is graded


@functools.lru_cache(maxsize=32)
def _template(path: Path, mtime_ns: int) -> tuple | None:
    return _what_is_graded(path.name, path.read_bytes())


def _template_of(assignment: Assignment, rel: str) -> tuple | None:
    """What grading reads of the template file (or notebook) that the entry's `rel` could be; None if none."""
    stem = Path(DUPLICATE_MARK.sub("", Path(rel).name)).stem.casefold()
    name = next((f for f in assignment.files if Path(f).stem.casefold() == stem), assignment.files[0])
    template = assignment.template_dir / Path(name).with_suffix(Path(rel).suffix)
    return _template(template, template.stat().st_mtime_ns) if template.is_file() else None


def _definitions(code: tuple[str, ...]) -> dict[str, str]:
    """Each top-level function and class of these code blocks -> its syntax tree, as text (the last one wins)."""
    found = {}
    for block in code:
        try:
            tree = ast.parse(block)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        found.update({node.name: ast.dump(node) for node in tree.body
                      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))})
    return found


def _mirrors(seen: dict[str, tuple | None]) -> frozenset[str]:
    """The notebooks that define every function and class of the .py file beside them, the same way."""
    found = set()
    for rel, graded in seen.items():
        script = seen.get(str(Path(rel).with_suffix(".py")))
        if rel.endswith(".ipynb") and graded and script:
            wanted, defined = _definitions(script[0]), _definitions(graded[0])
            if wanted and all(defined.get(k) == v for k, v in wanted.items()):
                found.add(rel)
    return frozenset(found)


def read_entry(assignment: Assignment, student_id: str, source: Path, known: EntryNotes = EntryNotes()) -> Prepared:
    """Read one student's entry: the expected files (or notebooks), as UTF-8 text, under the size limits.

    Only the entry's own regular files are read (`safefiles`): a link, a pipe or a hard link gets the entry
    an `invalid` row that says why, as does any error while reading it."""
    prepared = _invalid(student_id, source, known.problem) if known.problem else _read(assignment, student_id, source)
    return replace(prepared, notes=(*known.notes, *prepared.notes)) if known.notes else prepared


def _read(assignment: Assignment, student_id: str, source: Path) -> Prepared:
    where = Path(os.path.abspath(source))
    try:
        located = _locate(assignment, where)
        if located.problem:
            return _invalid(student_id, source, located.problem)
        files = {name: read_regular_file(where.parent, rel, size_limit(rel)) for name, rel in located.files.items()}
    except RefusedFile as exc:
        return _invalid(student_id, source, str(exc))
    except (OSError, MemoryError) as exc:  # the entry vanished, cannot be looked at, or is too large to hold
        why = getattr(exc, "strerror", None) or type(exc).__name__
        return _invalid(student_id, source, f"{where.name} could not be read ({why})")
    labels = {name: rel.split("/", 1)[1] if "/" in rel else rel for name, rel in located.files.items()}
    prepared = prepare_files(assignment, student_id, source, files, labels)
    return replace(prepared, notes=(*located.notes, *prepared.notes)) if located.notes else prepared


def prepare_files(assignment: Assignment, student_id: str, source: Path, files: dict[str, bytes],
                  labels: dict[str, str] | None = None) -> Prepared:
    """A submission from its files' bytes, named as `_locate` names them (`labels`: the names the student gave
    them, for messages): decoded, notebooks read, sizes checked. Never raises for the student's sake: whatever
    goes wrong is the entry's `invalid` row."""
    by_expected = {name: files[name] if name in files else files[notebook_twin(name)] for name in assignment.files}
    answers_raw = files.get(ANSWERS_FILE)
    digest = _digest({**by_expected, **({ANSWERS_FILE: answers_raw} if answers_raw is not None else {})})
    code, cells, answers, notes, graded, names = {}, None, {}, [], [], ()
    for name in assignment.files:
        submitted = name if name in files else notebook_twin(name)
        graded.append((labels or {}).get(submitted, submitted))
        try:
            read = _decode(submitted, files[submitted], (labels or {}).get(submitted, submitted))
        except ValueError as exc:
            return _invalid(student_id, source, str(exc), digest)
        if isinstance(read, ReadNotebook):
            cells, answers, notes, names = tuple(read.cells), read.answers, read.notes, tuple(read.names)
            read = "\n\n".join(read.cells)
        code[name] = read
    if answers_raw is not None:
        answers = {**parse_answers(answers_raw.decode("utf-8", "replace")), **answers}
    # Forbidden imports are refused by the student's process itself, before any of the code runs (`child`).
    return Prepared(student_id, source, code, digest, cells=cells, cell_names=names, answers=answers,
                    notes=tuple(notes), graded=tuple(graded))


def _decode(name: str, data: bytes, label: str) -> str | ReadNotebook:
    """One submitted file's text, or its notebook; ValueError with a reason safe to show the student."""
    try:
        if name.endswith(".ipynb"):
            return read_submitted(data, label)
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(too_large(label, MAX_FILE_BYTES))
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{label} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except ValueError:
        raise
    except RecursionError:
        raise ValueError(f"{label} is nested too deeply to be read") from None
    except MemoryError:
        raise ValueError(f"{label} is too large to be read") from None
    except Exception as exc:  # noqa: BLE001 (nothing a student hands in may stop the batch)
        raise ValueError(f"{label} could not be read ({type(exc).__name__})") from None


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
        student_id = path.name if stat.S_ISDIR(os.lstat(path).st_mode) else path.stem  # a link is not followed
        entries.setdefault(student_id, []).append(path)
    if not entries:
        raise AutograderError(f"{folder}: no submissions in it")
    dupes = {sid: paths for sid, paths in entries.items() if len(paths) > 1}
    if dupes:
        listing = "; ".join(f"{sid}: {', '.join(p.name for p in ps)}" for sid, ps in sorted(dupes.items()))
        raise AutograderError(f"{folder}: more than one entry for a student ({listing}); keep one each")
    return [(sid, paths[0]) for sid, paths in sorted(entries.items())]
