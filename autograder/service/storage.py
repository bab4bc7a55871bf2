"""Submitted files, content-addressed on disk: DATA/blobs/ab/<sha256>. A file is written to a temporary name,
synced, renamed into place and its folder synced before `put` returns, so an acknowledged upload survives a
crash; a name a client sent never becomes a path here (the path is the content's hash)."""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from pathlib import Path

_DIGEST = re.compile(r"[0-9a-f]{64}")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    """Files by the SHA-256 of their bytes: the same upload twice is stored once."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        if not _DIGEST.fullmatch(digest):
            raise ValueError(f"not a SHA-256 digest: {digest!r}")
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        """Store `data` durably; its digest."""
        digest = hashlib.sha256(data).hexdigest()
        final = self.path(digest)
        if final.is_file() and final.stat().st_size == len(data):
            return digest  # content-addressed: a file of this name holds these bytes (written only by rename)
        new_folder = not final.parent.is_dir()
        final.parent.mkdir(exist_ok=True)
        tmp = final.with_name(f".{digest}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(final.parent)
        if new_folder:
            _fsync_dir(self.root)
        return digest

    def get(self, digest: str) -> bytes:
        """The bytes stored under `digest`; `ValueError` if what is there does not hash to it."""
        data = self.path(digest).read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise ValueError(f"stored file {digest[:12]}... does not match its digest")
        return data
