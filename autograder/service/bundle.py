"""What a student downloads to start an assignment: its student template (the stubs, the notebook, answers.md)
and its public tests, as a zip (`<name>/...`, `<name>/tests/...`)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from autograder.core.course import Assignment

README = """{title} ({name})

Fill in {files} (or the notebook), and answers.md for the written questions.
Hand in {files} or its notebook on the course page: the public tests in tests/ run on it within seconds.
With the grader installed, `autograder check {name} {first}` runs them on your machine.
"""


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
                  and "__pycache__" not in p.parts and not p.name.startswith("."))


def student_bundle(assignment: Assignment) -> bytes:
    """The zip's bytes: never the reference, never the hidden tests."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{assignment.name}/README.txt", README.format(
            title=assignment.title, name=assignment.name, files=", ".join(assignment.files), first=assignment.files[0]))
        for path in _files(assignment.template_dir):
            zf.write(path, f"{assignment.name}/{path.relative_to(assignment.template_dir).as_posix()}")
        for path in _files(assignment.public_dir):
            zf.write(path, f"{assignment.name}/tests/{path.relative_to(assignment.public_dir).as_posix()}")
    return buffer.getvalue()
