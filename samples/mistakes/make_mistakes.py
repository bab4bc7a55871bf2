"""Write samples/mistakes/<hwN>/<name>.py: per assignment, a class of typical mistakes, each the reference with one edit.

Each assignment's typical mistakes are defined beside its reference, in `reference/<hwN>/mistakes.toml`
(see `autograder/authoring/mistakes.py`): the edit (`old` -> `new`, which must occur exactly once in the
reference), the concept it gets wrong, a description in a student's words, and `loses`, the tests it
should lose (and no others). tests/test_blame.py grades every class and holds the tests to those lists;
tests/test_diagnose.py grades them as students and counts how many the feedback names. Run it from the
repository's root after changing a reference or a manifest:

    python samples/mistakes/make_mistakes.py
"""
from __future__ import annotations

from pathlib import Path

from autograder.authoring.mistakes import manifest_path, read_manifest, typical_mistakes
from autograder.core.course import list_assignments

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def manifests(course: Path = ROOT) -> dict[str, dict]:
    """Assignment name -> its mistakes (name -> entry), for every assignment with a `mistakes.toml`."""
    return {a.name: read_manifest(manifest_path(a)) for a in list_assignments(course) if manifest_path(a).is_file()}


def mistake_files(folder: Path = HERE, course: Path = ROOT) -> dict[Path, str]:
    """Path -> text of every mistake file: `<assignment>/<mistake>.py` under `folder`."""
    files = {}
    for assignment in list_assignments(course):
        for mistake in typical_mistakes(assignment):
            (submitted,) = mistake.files.values()  # one file per assignment: a mistake of a multi-file one would be a folder
            files[folder / assignment.name / f"{mistake.name}.py"] = submitted
    return files


def main() -> None:
    for folder in {path.parent for path in mistake_files()}:
        for stale in folder.glob("*.py"):
            stale.unlink()
    for path, text in mistake_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    print(f"wrote {len(mistake_files())} mistakes under {HERE}")


if __name__ == "__main__":
    main()
