"""Read what a student handed in as data: never through a link, never a pipe, a device or someone else's file.

Every submitted file the grader reads (a folder's entries, a platform
download's members, a Gradescope upload) goes through `read_regular_file`:
each part of the path inside the entry is opened without following a
symbolic link, only a regular file with a single name (not a hard link to
a classmate's file or to the reference) is read, its size is checked on the
opened file before reading, and at most `limit + 1` bytes are ever read.
A refusal is a `RefusedFile` whose message names the file only by its place
in the entry, so it can be shown to the student as it is.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath
from typing import BinaryIO

NOT_A_FILE = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket",
              stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a named pipe put in place after the check still cannot make the open wait for a writer.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK


class RefusedFile(Exception):
    """A submitted file that is not read, and why; the message is safe to show the student."""


def read_regular_file(base: Path, rel: str | PurePosixPath, limit: int) -> bytes:
    """The bytes of `base/rel`, where `base` is the grader's own folder and `rel` the student's part of the path.

    Raises `RefusedFile` for a symbolic link anywhere in `rel`, anything but a regular file, a file with
    more than one name, a file larger than `limit` bytes, or one that cannot be read."""
    parts = _parts(rel)
    label = "/".join(parts)
    try:
        fd = _open_file(base, parts, label)
    except OSError as exc:
        raise RefusedFile(_os_problem(label, exc)) from None
    try:
        info = os.fstat(fd)
        _check_opened(info, label, limit)
        with os.fdopen(fd, "rb", buffering=0, closefd=False) as f:
            data = read_at_most(f, limit)
    except OSError as exc:
        raise RefusedFile(_os_problem(label, exc)) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise RefusedFile(too_large(label, limit))
    return data


def read_at_most(f: BinaryIO, limit: int) -> bytes:
    """At most `limit + 1` bytes of an open file or zip member: one byte more than allowed tells it is too large."""
    chunks, left = [], limit + 1
    while left > 0:
        chunk = f.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def too_large(label: str, limit: int) -> str:
    return f"{label} is larger than {limit} bytes"


def kind_of(mode: int) -> str:
    """'' for a regular file; else what it is, in words ('a symbolic link', 'a named pipe', ...)."""
    if stat.S_ISREG(mode):
        return ""
    return "a symbolic link" if stat.S_ISLNK(mode) else NOT_A_FILE.get(stat.S_IFMT(mode), "an unknown kind of file")


def refusal(label: str, mode: int) -> str:
    """Why the entry `label`, of this (lstat) mode, is not read as a file."""
    kind = kind_of(mode)
    if kind == "a symbolic link":
        return f"{label} is a symbolic link, and links are never followed: hand in the file itself"
    return f"{label} is {kind}, not a regular file: hand in the file itself"


def list_folder(base: Path, rel: str | PurePosixPath) -> list[str]:
    """The names in the folder `base/rel`, reached without following a link (a linked folder is refused, so a
    message listing what an entry holds never shows another folder's contents)."""
    parts = _parts(rel)
    try:
        fd = _open_folder(base, parts)
        try:
            return sorted(os.listdir(fd))
        finally:
            os.close(fd)
    except OSError as exc:
        raise RefusedFile(_os_problem("/".join(parts), exc)) from None


def list_tree(base: Path, rel: str | PurePosixPath, most: int = 2000) -> list[str]:
    """Every path below the folder `base/rel` that is not a folder ('/'-separated, relative to it, shallowest
    first), at most `most` of them: reached without following a link (a link is listed, never entered).
    Hidden folders and archives' debris are not entered."""
    found, todo = [], [(_open_folder(base, _parts(rel)), "")]
    try:
        while todo:
            fd, prefix = todo.pop(0)
            try:
                for name in sorted(os.listdir(fd)):
                    mode = os.lstat(name, dir_fd=fd).st_mode
                    path = f"{prefix}{name}"
                    if stat.S_ISDIR(mode):
                        if not name.startswith(".") and name not in ("__MACOSX", "__pycache__") and len(found) < most:
                            todo.append((os.open(name, _DIR_FLAGS, dir_fd=fd), path + "/"))
                    elif len(found) < most:
                        found.append(path)
            finally:
                os.close(fd)
    except OSError as exc:
        raise RefusedFile(_os_problem(str(rel), exc)) from None
    finally:
        for fd, _ in todo:
            os.close(fd)
    return found


def _parts(rel: str | PurePosixPath) -> tuple[str, ...]:
    parts = PurePosixPath(rel).parts
    if not parts or any(p in ("", ".", "..", "/") for p in parts):
        raise RefusedFile(f"{rel} is not a file name inside the submission")
    return parts


def _open_folder(base: Path, parts: tuple[str, ...]) -> int:
    """An fd of the folder `base/parts...`; `base` is trusted, no link inside `parts` is followed."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for depth, part in enumerate(parts):
            mode = os.lstat(part, dir_fd=fd).st_mode
            if not stat.S_ISDIR(mode):
                raise RefusedFile(refusal("/".join(parts[:depth + 1]), mode))
            inner = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_file(base: Path, parts: tuple[str, ...], label: str) -> int:
    """An fd of the regular file `base/parts...`, reached without following any link inside `parts`."""
    folder = _open_folder(base, parts[:-1])
    try:
        mode = os.lstat(parts[-1], dir_fd=folder).st_mode
        if kind_of(mode):  # never opened: opening a device or a pipe can have effects of its own
            raise RefusedFile(refusal(label, mode))
        return os.open(parts[-1], _FILE_FLAGS, dir_fd=folder)
    finally:
        os.close(folder)


def _check_opened(info: os.stat_result, label: str, limit: int) -> None:
    """What the opened file itself is (it may have been swapped since the look): regular, one name, small enough."""
    if kind_of(info.st_mode):
        raise RefusedFile(refusal(label, info.st_mode))
    if info.st_nlink > 1:
        raise RefusedFile(f"{label} is a hard link (the same file has {info.st_nlink} names, so it is not only "
                          "yours): hand in a copy of your own file")
    if info.st_size > limit:
        raise RefusedFile(too_large(label, limit))


def _os_problem(label: str, exc: OSError) -> str:
    """An OSError in words, without the path it carries (which may lie outside the entry)."""
    if exc.errno == errno.ENOENT:
        return f"{label} was not found"
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # swapped for a link after the look
        return f"{label} goes through a symbolic link, and links are never followed: hand in the file itself"
    return f"{label} could not be read ({exc.strerror or type(exc).__name__})"
