"""`autograder.check()` for a notebook cell: the same output as `autograder check`."""
from __future__ import annotations

import os
import time
from pathlib import Path

from autograder.core.course import list_assignments
from autograder.core.errors import AutograderError


def _guess(assignment: str | None, path: str | None) -> tuple[str, Path]:
    if path is None:
        candidates = sorted(Path.cwd().glob("*.ipynb")) + sorted(Path.cwd().glob("*.py"))
        names = {f for a in list_assignments() for f in a.files}
        matches = [p for p in candidates if p.with_suffix(".py").name in names]
        if not matches:
            raise AutograderError("say which file to check, e.g. check('hw2', 'backprop.ipynb')")
        path = str(matches[0])
    file = Path(path)
    if assignment is None:
        owners = [a.name for a in list_assignments() if file.with_suffix(".py").name in a.files]
        if len(owners) != 1:
            raise AutograderError(f"say which assignment {file.name} belongs to, e.g. check('hw2', '{file.name}')")
        assignment = owners[0]
    return assignment, file


def check(assignment: str | None = None, path: str | None = None):
    """Check the saved file against the public tests; prints the report, returns the result."""
    from autograder import api
    from autograder.reports.text import format_check

    try:
        assignment, file = _guess(assignment, path)
        if not file.exists():
            raise AutograderError(f"{file}: no such file (save the notebook first)")
    except AutograderError as exc:
        print(f"Error: {exc}")
        return None
    age = time.time() - os.path.getmtime(file)
    print(f"Checking {file.name} as saved {age:.0f} s ago (save the notebook to check your latest changes).\n")
    result = api.check(assignment, file)
    print(format_check(result))
    return result
