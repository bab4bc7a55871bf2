"""The course roster: who is in the class, and the ids each platform knows them by.

A roster is a UTF-8 CSV with a header row. Required: `student_id` (the name
of the student's entry in a submissions folder) and either `first_name` and
`last_name`, or `name`. Optional: `email`, `section`, and the platform ids
`canvas_user_id`, `sis_user_id`, `sis_login_id`, `moodle_idnumber`,
`moodle_username`, `blackboard_username`. Header names are matched without
regard to case, spaces or hyphens ("Canvas User ID" is `canvas_user_id`).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.core.errors import AutograderError

STUDENT_ID = "student_id"
NAME_COLUMNS = ("first_name", "last_name", "name")
ID_COLUMNS = ("canvas_user_id", "sis_user_id", "sis_login_id", "email", "moodle_idnumber", "moodle_username",
              "blackboard_username")
OPTIONAL_COLUMNS = ("section", *ID_COLUMNS)
KNOWN_COLUMNS = (STUDENT_ID, *NAME_COLUMNS, *OPTIONAL_COLUMNS)


@dataclass(frozen=True)
class Student:
    """One roster row."""

    student_id: str
    first_name: str
    last_name: str
    email: str = ""
    section: str = ""
    canvas_user_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    moodle_idnumber: str = ""
    moodle_username: str = ""
    blackboard_username: str = ""

    @property
    def display_name(self) -> str:
        """"First Last"."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def sortable_name(self) -> str:
        """"Last, First", as Canvas shows its students."""
        return ", ".join(p for p in (self.last_name, self.first_name) if p)

    def ids(self) -> dict[str, str]:
        """Every non-empty identifier of this student, by column."""
        return {c: getattr(self, c) for c in (STUDENT_ID, *ID_COLUMNS) if getattr(self, c)}


@dataclass(frozen=True)
class Roster:
    """The students of a course, with lookups by any of their ids."""

    path: Path
    students: tuple[Student, ...]
    columns: tuple[str, ...]

    def by_id(self) -> dict[str, Student]:
        return {s.student_id: s for s in self.students}

    def match(self, key: str) -> tuple[Student | None, str]:
        """The student `key` names (their student_id first, then any platform id or email); or why none."""
        key = key.strip()
        exact = self.by_id().get(key)
        if exact is not None:
            return exact, ""
        found = {s.student_id: s for s in self.students for c, v in s.ids().items()
                 if c != STUDENT_ID and _same(c, v, key)}
        if len(found) == 1:
            return next(iter(found.values())), ""
        if found:
            return None, f"{key!r} is an id of several roster students ({', '.join(sorted(found))})"
        return None, f"{key!r} is not in the roster {self.path.name}"

    def lacking(self, columns: tuple[str, ...]) -> list[Student]:
        """Students who have none of `columns` filled in."""
        return [s for s in self.students if not any(getattr(s, c) for c in columns)]


def _same(column: str, value: str, key: str) -> bool:
    return value.casefold() == key.casefold() if column == "email" else value == key


def normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", (name or "").strip().lower())


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        raise AutograderError(f"{path}: no such roster file") from None
    except IsADirectoryError:
        raise AutograderError(f"{path}: is a folder, not a roster CSV") from None
    except UnicodeDecodeError as exc:
        raise AutograderError(f"{path}: not UTF-8 text (byte {exc.start}); save the roster as UTF-8 CSV") from None
    rows = [(n, r) for n, r in enumerate(csv.reader(text.splitlines()), start=1) if any(c.strip() for c in r)]
    if not rows:
        raise AutograderError(f"{path}: empty roster (expected a header row, then one row per student)")
    return [normalise_header(h) for h in rows[0][1]], rows[1:]


def _check_header(path: Path, header: list[str]) -> None:
    missing = [] if STUDENT_ID in header else [STUDENT_ID]
    if "name" not in header and not ("first_name" in header and "last_name" in header):
        missing.append("first_name and last_name (or name)")
    if missing:
        raise AutograderError(f"{path}: missing column(s) {'; '.join(missing)} "
                              f"(found: {', '.join(h for h in header if h) or 'none'}; "
                              f"known columns: {', '.join(KNOWN_COLUMNS)})")
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise AutograderError(f"{path}: column(s) {', '.join(dupes)} appear more than once in the header")


def _student(path: Path, line: int, header: list[str], row: list[str]) -> Student:
    if len(row) != len(header):
        raise AutograderError(f"{path}:{line}: {len(row)} fields, the header has {len(header)}")
    cells = {h: v.strip() for h, v in zip(header, row) if h in KNOWN_COLUMNS}
    if not cells.get(STUDENT_ID):
        raise AutograderError(f"{path}:{line}: empty student_id")
    first, last = cells.get("first_name", ""), cells.get("last_name", "")
    if not (first or last):
        first, _, last = cells.get("name", "").rpartition(" ")
    if not (first or last):
        raise AutograderError(f"{path}:{line}: student {cells[STUDENT_ID]} has no name")
    return Student(first_name=first, last_name=last,
                   **{c: cells.get(c, "") for c in (STUDENT_ID, *OPTIONAL_COLUMNS)})


def _check_unique(path: Path, students: list[Student]) -> None:
    problems = []
    for column in (STUDENT_ID, *ID_COLUMNS):
        seen: dict[str, list[str]] = {}
        for s in students:
            value = getattr(s, column)
            if value:
                seen.setdefault(value.casefold() if column == "email" else value, []).append(s.student_id)
        problems += [f"{column} {value!r} is shared by {', '.join(ids)}" for value, ids in seen.items()
                     if len(ids) > 1]
    if problems:
        raise AutograderError(f"{path}: duplicate ids: " + "; ".join(problems[:10])
                              + (f"; and {len(problems) - 10} more" if len(problems) > 10 else ""))


def load_roster(path: Path) -> Roster:
    """Read and check a roster; an `AutograderError` naming the file and line for anything wrong."""
    path = Path(path)
    header, rows = _read_rows(path)
    _check_header(path, header)
    students = [_student(path, line, header, row) for line, row in rows]
    if not students:
        raise AutograderError(f"{path}: no students in the roster, only a header")
    _check_unique(path, students)
    return Roster(path, tuple(students), tuple(h for h in header if h in KNOWN_COLUMNS))
