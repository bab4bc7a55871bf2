"""The output folder belongs to the grader: one run holds it at a time, no link in it is followed, and the only
files ever deleted from it are those the grader wrote, known from its own record of them.

The lock is an `flock` on OUT/.results/lock (the holder's pid inside); the record, OUT/.results/written,
names each feedback file the grader wrote with the SHA-256 of what it wrote, so a file a person changed or
added is never deleted.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Iterable, Iterator

from autograder.core.errors import AutograderError

RESULTS_DIR, FEEDBACK_DIR = ".results", "feedback"
MARKER, WARNING_FILE, LOCK_FILE, RECORD_FILE = "assignment", "isolation_warning", "lock", "written"
MERGE_RECORD = "merged"  # which review sheet the last `merge-manual` read, and how
REPORT_FILES = ("grades.csv", "tests.csv", "report.html", "review.csv", "review.html", "final_grades.csv",
                "late.csv", "unmatched.csv", "submission_times.csv", "imported.csv")
MAX_READ = 64 << 20


def refuse_links(paths: Iterable[Path]) -> None:
    """A usage error naming the first of `paths` that is a symbolic link: the grader writes through none."""
    for path in paths:
        if os.path.islink(path):
            raise AutograderError(f"{path} is a symbolic link; the grader reads and writes through no link: "
                                  f"remove it, or choose another --out")


def grader_paths(out_dir: Path, student_ids: Iterable[str] = ()) -> list[Path]:
    """Every path in OUT that a run may write or read: the folders, the reports, each student's files."""
    results, feedback = out_dir / RESULTS_DIR, out_dir / FEEDBACK_DIR
    paths = [out_dir, results, feedback, *(out_dir / name for name in REPORT_FILES),
             *(results / name for name in (MARKER, WARNING_FILE, LOCK_FILE, RECORD_FILE, MERGE_RECORD))]
    for sid in student_ids:
        paths += [results / f"{sid}.json", feedback / f"{sid}.md"]
    return paths


def atomic_write(path: Path, data: str | bytes, durable: bool = True) -> None:
    """Write `path` so that a reader sees the old file or the new one, never half of one; never through a link.

    `durable=False` skips the fsync: for files that every run rewrites from the saved results."""
    path.parent.mkdir(parents=True, exist_ok=True)
    refuse_links([path])
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)  # replaces a link planted meanwhile, never writes through it
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def hold(out_dir: Path) -> Iterator[None]:
    """OUT for this run alone, until the block ends (on every path); a usage error at once if another run holds it."""
    lock = out_dir / RESULTS_DIR / LOCK_FILE
    refuse_links([out_dir, lock.parent, lock])
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise AutograderError(f"another run of autograder holds {out_dir}"
                                  + (f" (pid {holder})" if holder.isdigit() else "")
                                  + "; wait for it to finish, or choose another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


def read_own(path: Path) -> bytes | None:
    """The bytes of a regular file, never through a link (nor a FIFO or device); None when there is none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(MAX_READ + 1)[:MAX_READ]
    finally:
        os.close(fd)


def read_marker(out_dir: Path, name: str) -> str:
    """A small text file of OUT/.results (the assignment's name, the isolation warning); '' when absent."""
    data = read_own(out_dir / RESULTS_DIR / name)
    return data.decode("utf-8", "replace").strip() if data else ""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain_name(name) -> bool:
    return isinstance(name, str) and Path(name).name == name and name.endswith(".md") and not name.startswith(".")


def written_feedback(out_dir: Path) -> dict[str, str]:
    """Feedback file name -> SHA-256 of what the grader wrote there, from its record (empty if none or unreadable)."""
    try:
        record = json.loads(read_own(out_dir / RESULTS_DIR / RECORD_FILE) or b"{}")
    except (ValueError, RecursionError):
        return {}
    files = record.get("feedback") if isinstance(record, dict) else None
    if not isinstance(files, dict):
        return {}
    return {name: sha for name, sha in files.items() if _plain_name(name) and isinstance(sha, str)}


def remove_unreported(out_dir: Path, before: dict[str, str], reported: dict[str, str]) -> list[str]:
    """Delete the feedback files the grader wrote earlier (`before`) for students it no longer reports, when
    they still hold what it wrote; returns a note for each one a person changed, left in place."""
    notes = []
    for name, sha in sorted(before.items()):
        path = out_dir / FEEDBACK_DIR / name
        data = None if name in reported else read_own(path)
        if data is None:
            continue
        if hashlib.sha256(data).hexdigest() == sha:
            path.unlink()
        else:
            notes.append(f"{FEEDBACK_DIR}/{name} was changed since the grader wrote it: left in place")
    return notes


def record_feedback(out_dir: Path, written: dict[str, str]) -> None:
    """Remember which feedback files this run wrote, and what they hold."""
    atomic_write(out_dir / RESULTS_DIR / RECORD_FILE, json.dumps({"feedback": written}, sort_keys=True))
