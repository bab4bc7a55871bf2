"""Root's runs give each slot a user id of its own, from a block of ids no other run on this machine uses at the
same time (a lock per block, in a folder only root can write). An ordinary user's run needs none: it has a
user namespace per slot instead."""
from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from pathlib import Path

from autograder.core.errors import AutograderError

# The locks live in root's own folder (below); earlier versions locked blocks in the shared temp folder and
# used 1_900_000_000 on: this range never meets theirs, so a run of each at once cannot share students' uids.
UID_BASE, UID_BLOCK, UID_BLOCKS = 1_700_000_000, 64, 4096
UID_LOCK_FOLDERS = (Path("/run/autograder-uids"), Path(tempfile.gettempdir()) / "autograder-uids-root")


def _uid_lock_folder() -> Path:
    """Root's folder of uid-block locks: one only root can write, checked, never through a link."""
    problems = []
    for folder in UID_LOCK_FOLDERS:
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            problems.append(f"{folder}: {exc.strerror}")
            continue
        st = os.lstat(folder)
        if stat.S_ISDIR(st.st_mode) and st.st_uid == 0 and not st.st_mode & 0o022:
            return folder
        problems.append(f"{folder} is a link, not root's own, or writable by others")
    raise AutograderError("no safe folder for the sandbox's uid locks (" + "; ".join(problems) +
                          "): remove what is in the way")


def lock_uid_block() -> tuple[int, int]:
    """A block of user ids no other grading run on this machine uses: (lock fd, first uid).

    Each slot's processes run as their own uid (as root); two runs sharing one would share their students'
    rights. Only root runs need this: an ordinary user's run has a user namespace per slot instead.
    """
    folder = os.open(_uid_lock_folder(), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        for block in range(UID_BLOCKS):
            fd = os.open(f"{block}.lock", os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600, dir_fd=folder)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd, UID_BASE + block * UID_BLOCK
    finally:
        os.close(folder)
    raise AutograderError(f"all {UID_BLOCKS} sandbox uid blocks are in use on this machine")
