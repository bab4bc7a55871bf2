"""Write samples/mistakes/<hwN>/<name>.py: per assignment, a class of typical mistakes, each the reference with one edit.

Each assignment's `mistakes.toml` lists its mistakes: the edit (`old` -> `new`, which must occur exactly
once in the reference), the concept it gets wrong, a description in a student's words, and `loses`, the
tests it should lose (and no others). tests/test_blame.py grades every class and holds the tests to
those lists. Run it from the repository's root after changing a reference or a manifest:

    python samples/mistakes/make_mistakes.py
"""
from __future__ import annotations

import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MANIFEST = "mistakes.toml"


def manifests(folder: Path = HERE) -> dict[str, dict]:
    """Assignment name -> its mistakes (name -> entry), for every `<name>/mistakes.toml` under `folder`."""
    return {path.parent.name: tomllib.loads(path.read_text("utf-8")) for path in sorted(folder.glob(f"*/{MANIFEST}"))}


def mistake_source(reference: str, old: str, new: str, where: str) -> str:
    """The reference with `old` replaced by `new`; refused unless `old` occurs exactly once."""
    if reference.count(old) != 1:
        raise SystemExit(f"{where}: the reference no longer contains exactly one {old!r}; update {MANIFEST}")
    return reference.replace(old, new)


def mistake_files(folder: Path = HERE, course: Path = ROOT) -> dict[Path, str]:
    """Path -> text of every mistake file: `<assignment>/<mistake>.py` under `folder`."""
    files = {}
    for name, mistakes in manifests(folder).items():
        meta = tomllib.loads((course / "assignments" / name / "assignment.toml").read_text("utf-8"))
        (submitted,) = meta["files"]  # one file per assignment: a mistake of a multi-file one would be a folder
        reference = (course / "reference" / name / submitted).read_text("utf-8")
        for mistake, entry in mistakes.items():
            files[folder / name / f"{mistake}.py"] = mistake_source(reference, entry["old"], entry["new"],
                                                                     f"{name}/{mistake}")
    return files


def main() -> None:
    for folder in {path.parent for path in mistake_files()}:
        for stale in folder.glob("*.py"):
            stale.unlink()
    for path, text in mistake_files().items():
        path.write_text(text, "utf-8")
    print(f"wrote {len(mistake_files())} mistakes under {HERE}")


if __name__ == "__main__":
    main()
