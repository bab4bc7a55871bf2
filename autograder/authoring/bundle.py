"""What an instructor hands out for one assignment: the student's files and the public tests, never the answers.

A bundle is a small course of one assignment, laid out as a course folder so that `autograder check` reads it as
it reads the checkout:

    README.md                           how to install the checker and run it
    autograder-course.txt               the marker `check` looks for, at or above the current folder
    <name>/                             the student's work: the stubs, the notebook, answers.md
    student_template/<name>/            the same files, untouched: `check` compares with them to tell which of a
                                        .py and its notebook the student changed
    assignments/<name>/assignment.toml  the metadata, with the public tests' points only
    assignments/<name>/public/          the public tests (and their stored oracle values, if they have any)
    assignments/<name>/probes.py        helpers the tests call in the student's process (they run there anyway)

Never in it: the hidden tests (nor their names), their stored oracle values, the reference, the mistakes' samples.
"""
from __future__ import annotations

import io
import tomllib
import zipfile
from pathlib import Path

from autograder.core.course import COURSE_MARKER, Assignment
from autograder.core.errors import AutograderError
from autograder.grading.collect import PUBLIC, collect
from autograder.grading.oracles import STORE


def bundle_files(assignment: Assignment) -> dict[str, bytes]:
    """Relative path -> content of every file of `assignment`'s bundle."""
    name = assignment.name
    template = sorted(p for p in assignment.template_dir.iterdir() if p.is_file())
    if not template:
        raise AutograderError(f"{assignment.template_dir}: no student files (run `autograder release {name}`)")
    files = {f"{name}/{p.name}": p.read_bytes() for p in template}
    files |= {f"student_template/{name}/{p.name}": p.read_bytes() for p in template}
    public = sorted(assignment.public_dir.glob("test_*.py"))
    if (assignment.public_dir / STORE).is_file():  # values the public tests check: shown to students on failure
        public.append(assignment.public_dir / STORE)
    files |= {f"assignments/{name}/public/{p.name}": p.read_bytes() for p in public}
    if assignment.probes_path.is_file():
        files[f"assignments/{name}/probes.py"] = assignment.probes_path.read_bytes()
    files[f"assignments/{name}/assignment.toml"] = public_metadata(assignment).encode()
    files[COURSE_MARKER] = b"This folder is a course for `autograder check`: run it here or in any folder below.\n"
    files["README.md"] = student_readme(assignment).encode()
    return files


def public_metadata(assignment: Assignment) -> str:
    """assignment.toml as it is, but its [tests] table holds the public tests only (no hidden test's name)."""
    public = [spec.name for spec in collect(assignment, (PUBLIC,))]
    source = (assignment.root / "assignment.toml").read_text("utf-8")
    out, in_tests = [], False
    for line in source.splitlines():
        if line.startswith("["):
            in_tests = line.strip() == "[tests]"
            if in_tests:
                out += [line, *(f"{test} = {assignment.points[test]!r}" for test in public), ""]
                continue
        if not in_tests:
            out.append(line)
    text = "\n".join(out) + "\n"
    want = tomllib.loads(source)
    want["tests"] = {test: want["tests"][test] for test in public}
    if tomllib.loads(text) != want:  # a table this line-wise edit misread: refuse rather than hand out a wrong file
        raise AutograderError(f"{assignment.root / 'assignment.toml'}: cannot keep its public tests alone; "
                              "put [tests] in a table of its own, of `name = points` lines")
    return text


def student_readme(assignment: Assignment) -> str:
    """The bundle's README: where to work and the two commands a student needs."""
    name, files = assignment.name, assignment.files
    notebook = f" or the notebook `{Path(files[0]).stem}.ipynb`" if len(files) == 1 else ""
    written = (" Written answers go in the notebook's answer cells, or in `answers.md`."
               if assignment.questions else "")
    return f"""# {name}: {assignment.title}

Your work goes in the folder `{name}/`: fill in {', '.join(f'`{f}`' for f in files)}{notebook} (one of the two:
the checker grades the one you changed).{written}

1. Install the checker, once: `pip install backprop-autograder`, from the wheel file or the path your instructor
   gives you (for example `pip install ./backprop_autograder-0.1.0-py3-none-any.whl`).
2. Run the public tests: `autograder check {name}` in the folder `{name}/` (or `autograder check {name} {name}/`
   here); in the notebook, its last cell does the same.

`check` prints one line per public test, with a hint under each failure. Its exit code is 0 when every public
test passes, 3 when some fail, 2 when nothing could be checked (the message says why). The grade also counts
hidden tests, which are not in this folder.

`student_template/` holds the files as you received them (the checker compares with them);
`assignments/` holds the public tests. Leave both as they are.
"""


def bundle_zip(assignment: Assignment, files: dict[str, bytes] | None = None) -> bytes:
    """The bundle as a zip's bytes, its files under `<name>-bundle/` (what `write_bundle` writes, and what the
    grading service hands out)."""
    files = bundle_files(assignment) if files is None else files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, data in sorted(files.items()):
            archive.writestr(f"{assignment.name}-bundle/{rel}", data)
    return buffer.getvalue()


def write_bundle(assignment: Assignment, out: Path) -> list[str]:
    """Write the bundle to `out`: a zip when it ends in .zip, else a new (or empty) folder. Returns its files."""
    files = bundle_files(assignment)
    if out.suffix.lower() == ".zip":
        if out.exists():
            raise AutograderError(f"{out}: exists already (choose another name or remove it)")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(bundle_zip(assignment, files))
        return sorted(files)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise AutograderError(f"{out}: not an empty folder (a bundle is written into a new one)")
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    return sorted(files)
