"""`autograder.check()` for a notebook cell: the same output as `autograder check`, on the notebook it runs in."""
from __future__ import annotations

import datetime as dt
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.course import list_assignments
from autograder.core.errors import AutograderError
from autograder.core.results import SubmissionResult
from autograder.core.status import Outcome

SESSION_ENV = "JPY_SESSION_NAME"  # Jupyter Server tells the kernel its notebook's path (ipykernel: `__session__`)


@dataclass(frozen=True)
class Checked:
    """What `check()` returns: one short line when a cell shows it; the full result in `.result`."""

    file: str
    passed: int
    tests: int
    result: SubmissionResult = field(repr=False)

    def __repr__(self) -> str:
        return f"<check of {self.file}: {self.passed}/{self.tests} public tests passed>"


def session_notebook() -> Path | None:
    """The notebook this kernel runs, as Jupyter names it, if it is a file found from here; else None."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    names = [getattr(shell, "user_ns", {}).get("__session__"), os.environ.get(SESSION_ENV)]
    for name in filter(None, names):
        path = Path(str(name))
        for candidate in (path, Path.cwd() / path, Path.cwd() / path.name):
            if candidate.suffix == ".ipynb" and candidate.is_file():
                return candidate
    return None


def _guess(assignment: str | None, path: str | None) -> tuple[str, Path]:
    if path is None:
        session = session_notebook()
        candidates = sorted(Path.cwd().glob("*.ipynb")) + sorted(Path.cwd().glob("*.py"))
        names = {f for a in list_assignments() for f in a.files}
        matches = [session] if session else [p for p in candidates if p.with_suffix(".py").name in names]
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


def saved_line(file: Path) -> str:
    """Which file is checked and when it was saved: a notebook is checked as saved, not as shown."""
    mtime = os.path.getmtime(file)
    at = dt.datetime.fromtimestamp(mtime).strftime("%H:%M:%S")
    session = session_notebook()
    this = " (this notebook)" if session and session.resolve() == file.resolve() else ""
    line = (f"Checking {file.name}{this}, saved at {at} ({time.time() - mtime:.0f} s ago: save the notebook to "
            "check your latest changes).")
    if session and not this:
        line += f"\nNote: this notebook is {session.name}; checking {file.name}, as asked."
    return line


def check(assignment: str | None = None, path: str | None = None) -> Checked | None:
    """Check the saved file against the public tests (by default the notebook this runs in); prints the report,
    returns a `Checked` (None when nothing could be checked: the message says why)."""
    from autograder import api
    from autograder.reports.text import format_check

    try:
        assignment, file = _guess(assignment, path)
        if not file.exists():
            raise AutograderError(f"{file}: no such file (save the notebook first)")
        print(saved_line(file) + "\n")
        result = api.check(assignment, file)
    except AutograderError as exc:
        print(f"Error: {exc}")
        return None
    print(format_check(result))
    passed = sum(o.outcome == Outcome.PASSED for o in result.outcomes)
    return Checked(file.name, passed, len(result.outcomes), result)
