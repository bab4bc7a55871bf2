"""Student templates, generated from the reference: one source of truth.

In a reference file, a solution region reads

    # BEGIN SOLUTION: <instruction for the student>
    ...solution lines...
    # END SOLUTION

and becomes, in the template, at the marker's indentation,

    # TODO: <instruction for the student>
    raise NotImplementedError("<instruction for the student>")

Everything outside the markers is copied as it is.
"""
from __future__ import annotations

import re
from pathlib import Path

from autograder.core.errors import AutograderError

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?::\s*(?P<text>.*\S))?\s*$")
END = re.compile(r"^[ \t]*# END SOLUTION\s*$")


def make_stub(source: str, where: str = "<source>") -> str:
    """The template text for one reference file; raises on unbalanced markers."""
    out: list[str] = []
    region: re.Match | None = None
    start = 0
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if region is None and begin:
            region, start = begin, number
            if not begin.group("text"):
                raise AutograderError(f"{where}:{number}: BEGIN SOLUTION needs an instruction after ':'")
        elif region is None and end:
            raise AutograderError(f"{where}:{number}: END SOLUTION without BEGIN SOLUTION")
        elif region is not None and begin:
            raise AutograderError(f"{where}:{number}: nested BEGIN SOLUTION (open since line {start})")
        elif region is not None and end:
            indent, text = region.group("indent"), region.group("text")
            out.append(f"{indent}# TODO: {text}\n")
            out.append(f"{indent}raise NotImplementedError({text!r})\n")
            region = None
        elif region is None:
            out.append(line)
    if region is not None:
        raise AutograderError(f"{where}:{start}: BEGIN SOLUTION is never closed")
    return "".join(out)


def has_solution_markers(source: str) -> bool:
    return any(BEGIN.match(line) for line in source.splitlines())


def strip_markers(source: str) -> str:
    """The reference as a student would submit it: solution kept, marker lines removed."""
    return "".join(
        line for line in source.splitlines(keepends=True) if not (BEGIN.match(line) or END.match(line))
    )


def template_files(reference_dir: Path, files: tuple[str, ...]) -> dict[str, str]:
    """File name -> template text for every submitted file of an assignment."""
    result = {}
    for name in files:
        path = reference_dir / name
        if not path.is_file():
            raise AutograderError(f"{path}: reference file missing")
        result[name] = make_stub(path.read_text("utf-8"), where=str(path))
    return result


def stale_templates(reference_dir: Path, template_dir: Path, files: tuple[str, ...]) -> list[str]:
    """Names of template files that differ from what the reference generates."""
    stale = []
    for name, text in template_files(reference_dir, files).items():
        path = template_dir / name
        if not path.is_file() or path.read_text("utf-8") != text:
            stale.append(name)
    return stale


def write_templates(reference_dir: Path, template_dir: Path, files: tuple[str, ...]) -> list[Path]:
    """Regenerate the template files; returns the paths written."""
    template_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in template_files(reference_dir, files).items():
        path = template_dir / name
        path.write_text(text, "utf-8")
        written.append(path)
    return written
