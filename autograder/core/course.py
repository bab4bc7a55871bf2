"""The course on disk: assignments, their metadata, tests, references and templates.

A course folder holds `assignments/<name>/assignment.toml` (metadata),
`assignments/<name>/public/` and `hidden/` (pytest test files),
optionally `assignments/<name>/probes.py`, and beside them
`reference/<name>/` (solutions) and `student_template/<name>/` (stubs).
"""
from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.errors import AutograderError
from autograder.core.latepolicy import LatePolicy, parse_late_policy

COURSE_ENV = "AUTOGRADER_COURSE"
# A student's bundle (`autograder bundle`) holds this file at its top: `check` run anywhere inside finds it.
COURSE_MARKER = "autograder-course.txt"


@dataclass(frozen=True)
class Question:
    """A written question, scored by a person; its rubric (optional) is what review.html shows the scorer."""

    id: str
    prompt: str
    points: float
    rubric: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    """One assignment's metadata and where its parts live."""

    name: str
    title: str
    files: tuple[str, ...]
    points: dict[str, float]
    questions: tuple[Question, ...]
    root: Path
    course_root: Path
    due: dt.datetime | None = None
    forbid_imports: tuple[str, ...] = ()
    time_limit_s: float | None = None
    platform_ids: dict[str, str] = field(default_factory=dict)
    late_policy: LatePolicy | None = None  # the [late_policy] table (gradebook exports)

    @property
    def public_dir(self) -> Path:
        return self.root / "public"

    @property
    def hidden_dir(self) -> Path:
        return self.root / "hidden"

    @property
    def probes_path(self) -> Path:
        return self.root / "probes.py"

    @property
    def reference_dir(self) -> Path:
        return self.course_root / "reference" / self.name

    @property
    def template_dir(self) -> Path:
        return self.course_root / "student_template" / self.name

    @property
    def max_score(self) -> float:
        return float(sum(self.points.values()))

    @property
    def manual_points(self) -> float:
        return float(sum(q.points for q in self.questions))

    def probes_source(self) -> str:
        return self.probes_path.read_text("utf-8") if self.probes_path.exists() else ""


def default_course_root() -> Path:
    """The course folder: $AUTOGRADER_COURSE, else the nearest folder at or above the current one holding
    `COURSE_MARKER` (an unpacked bundle), else the checkout this package lives in."""
    env = os.environ.get(COURSE_ENV)
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    bundle = next((p for p in (here, *here.parents) if (p / COURSE_MARKER).is_file()), None)
    return bundle or Path(__file__).resolve().parents[2]  # autograder/core/course.py -> the checkout


def _parse_due(value, where: str) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise AutograderError(f"{where}: due date {value!r} is not ISO 8601") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    raise AutograderError(f"{where}: due must be a date-time, got {value!r}")


def _question(table: dict, where: str) -> Question:
    """One `[[questions]]` table: id, prompt, points, and an optional `rubric`, a list of lines such as
    "2: the derivation and why it saves memory"."""
    rubric = table.get("rubric", [])
    if not isinstance(rubric, list) or not all(isinstance(line, str) and line.strip() for line in rubric):
        raise AutograderError(f"{where}: question {table.get('id')!r}: rubric must be a list of non-empty strings, "
                              f'e.g. rubric = ["2: ...", "1: ...", "0: ..."]')
    return Question(id=str(table["id"]), prompt=str(table["prompt"]), points=float(table["points"]),
                    rubric=tuple(line.strip() for line in rubric))


def load_assignment(root: Path, course_root: Path | None = None) -> Assignment:
    """Read `root/assignment.toml`; a clear `AutograderError` for anything malformed."""
    meta_path = root / "assignment.toml"
    try:
        meta = tomllib.loads(meta_path.read_text("utf-8"))
    except FileNotFoundError:
        raise AutograderError(f"{meta_path}: missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise AutograderError(f"{meta_path}: not valid TOML ({exc})") from None
    where = str(meta_path)
    for key in ("title", "files", "tests"):
        if key not in meta:
            raise AutograderError(f"{where}: missing required key {key!r}")
    files = tuple(meta["files"])
    if not files or not all(isinstance(f, str) and "/" not in f for f in files):
        raise AutograderError(f"{where}: files must be a non-empty list of plain file names")
    points = {str(k): float(v) for k, v in meta["tests"].items()}
    if any(v < 0 for v in points.values()):
        raise AutograderError(f"{where}: test points must be >= 0")
    questions = tuple(_question(q, where) for q in meta.get("questions", []))
    if len({q.id for q in questions}) != len(questions):
        raise AutograderError(f"{where}: question ids must be unique")
    return Assignment(
        name=root.name,
        title=str(meta["title"]),
        files=files,
        points=points,
        questions=questions,
        root=root,
        course_root=course_root or root.parent.parent,
        due=_parse_due(meta.get("due"), where),
        forbid_imports=tuple(meta.get("forbid_imports", ())),
        time_limit_s=meta.get("time_limit_s"),
        platform_ids={str(k): str(v) for k, v in meta.get("platform_ids", {}).items()},
        late_policy=parse_late_policy(meta.get("late_policy"), where),
    )


def list_assignments(course_root: Path | None = None) -> list[Assignment]:
    """Every assignment of the course, sorted by name."""
    course_root = course_root or default_course_root()
    folder = course_root / "assignments"
    if not folder.is_dir():
        raise AutograderError(f"{folder}: no assignments folder (run this inside an assignment's bundle, or set ${COURSE_ENV})")
    return [
        load_assignment(p, course_root)
        for p in sorted(folder.iterdir())
        if (p / "assignment.toml").is_file()
    ]


def get_assignment(name: str, course_root: Path | None = None) -> Assignment:
    """The assignment called `name`; an `AutograderError` listing the known ones otherwise."""
    course_root = course_root or default_course_root()
    root = course_root / "assignments" / name
    if name and "/" not in name and (root / "assignment.toml").is_file():
        return load_assignment(root, course_root)
    known = ", ".join(a.name for a in list_assignments(course_root)) or "none"
    raise AutograderError(f"unknown assignment {name!r}; known assignments: {known}")
