"""The class a benchmark grades: N copies of an assignment's reference, handed in as a student would."""
from __future__ import annotations

import shutil
from pathlib import Path


def reference_files(assignment, fmt: str) -> list[Path]:
    """The reference's files as a student hands them in: the `.py` files, or their `.ipynb` twins."""
    return [assignment.reference_dir / (Path(f).stem + ".ipynb" if fmt == "ipynb" else f) for f in assignment.files]


def build_class(assignment, folder: Path, n: int, fmt: str = "py") -> Path:
    """N copies of the reference in `folder`: `<id>.py` (or `.ipynb`) for a one-file assignment, else `<id>/`."""
    folder.mkdir(parents=True)
    files = reference_files(assignment, fmt)
    for i in range(n):
        sid = f"s{i:04d}"
        if len(files) == 1:
            shutil.copyfile(files[0], folder / f"{sid}{files[0].suffix}")
            continue
        (folder / sid).mkdir()
        for path in files:
            shutil.copyfile(path, folder / sid / path.name)
    return folder


def first_of_class(subs: Path, folder: Path, n: int) -> Path:
    """A class of the first `n` entries of `subs` (by name), copied into `folder`."""
    folder.mkdir(parents=True)
    for path in sorted(subs.iterdir())[:n]:
        (shutil.copytree if path.is_dir() else shutil.copyfile)(path, folder / path.name)
    return folder


def resolve_assignments(spec: str, fmt: str) -> list[tuple[str, str]]:
    """(name, '' or why it cannot be benchmarked) for `all` or a comma-separated list of names;
    `AutograderError` for a name the course does not have."""
    from autograder.core.course import get_assignment, list_assignments

    assignments = list_assignments() if spec == "all" else [get_assignment(name) for name in spec.split(",")]
    out = []
    for a in assignments:
        missing = [p.name for p in reference_files(a, fmt) if not p.is_file()]
        out.append((a.name, f"no reference {', '.join(missing)}" if missing else ""))
    return out
