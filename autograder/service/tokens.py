"""`autograder tokens`: a sign-in token per roster student and one for the instructor, as a CSV of
`role,student_id,token,url` (readable by its owner only).

Only a token's hash is stored, so a token cannot be shown again: run again, the command keeps every token
(students added to the roster get new ones, students no longer in it are signed out, until they come back) and
writes the tokens it can still show, the new ones and those the previous file at `--out` holds, leaving the
others' cells empty. `--rotate` replaces them all: the old links stop working, and so do their sessions.
"""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from autograder.core.errors import AutograderError
from autograder.core.outfolder import atomic_write
from autograder.core.text import spreadsheet_plain, spreadsheet_safe
from autograder.gradebooks.roster import load_roster
from autograder.service.auth import new_token, token_hash
from autograder.service.config import DEFAULT_PORT, ROSTER_FILE, Settings, data_folder
from autograder.service.db import open_database, transaction
from autograder.service.models import INSTRUCTOR, STUDENT, Token

COLUMNS = ["role", "student_id", "token", "url"]
# A student id names the student's entry in a grading run's folder: a plain file name, never hidden.
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")


@dataclass(frozen=True)
class Issued:
    """What `tokens` did: the file, and how many tokens were new, kept (and shown or not), and deactivated."""

    out: Path
    students: int
    new: int
    shown_again: int
    not_shown: tuple[str, ...]
    signed_out: tuple[str, ...]

    def summary(self) -> str:
        lines = [f"wrote {self.out}: {self.students} students and the instructor "
                 f"({self.new} new token(s), {self.shown_again} kept from the previous file)"]
        if self.not_shown:
            lines.append(f"{len(self.not_shown)} kept token(s) cannot be shown again (only their hash is stored): "
                         f"{', '.join(self.not_shown[:10])}{' ...' if len(self.not_shown) > 10 else ''}; "
                         f"their links still work; --rotate issues new ones")
        if self.signed_out:
            lines.append(f"signed out {len(self.signed_out)} student(s) no longer in the roster: "
                         f"{', '.join(self.signed_out[:10])}{' ...' if len(self.signed_out) > 10 else ''}")
        return "\n".join(lines)


def _previous(out: Path) -> dict[tuple[str, str], str]:
    """(role, student_id) -> token, from the file an earlier run wrote at `out` (nothing if unreadable)."""
    try:
        rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    return {(spreadsheet_plain(r.get("role") or ""), spreadsheet_plain(r.get("student_id") or "")): r["token"]
            for r in rows if r.get("token")}


def _check_ids(roster_path: Path, ids: list[str]) -> None:
    bad = [sid for sid in ids if not SAFE_ID.fullmatch(sid)]
    if bad:
        raise AutograderError(f"{roster_path}: student id(s) {', '.join(map(repr, bad[:5]))} cannot be used by the "
                              f"service: letters, digits and . _ @ + - only, starting with a letter or digit")


def _person(session: Session, role: str, sid: str | None, rotate: bool, known: str | None) -> tuple[str | None, bool]:
    """The token to show for one person (None: kept but unknown), and whether it is new."""
    rows = session.scalars(select(Token).where(Token.role == role, Token.student_id == sid)).all()
    if rotate or not rows:
        for row in rows:
            row.active = False
        token = new_token()
        session.add(Token(role=role, student_id=sid, token_hash=token_hash(token), active=True))
        return token, True
    newest = max(rows, key=lambda r: r.id)
    newest.active = True  # a student back in the roster signs in with the token they had
    return (known if known and token_hash(known) == newest.token_hash else None), False


def issue(data: Path, roster_path: Path, out: Path, rotate: bool = False, db: str | None = None,
          base_url: str | None = None) -> Issued:
    """See the module's doc. The roster is copied to DATA/roster.csv, which the service reads."""
    roster = load_roster(roster_path)
    ids = [s.student_id for s in roster.students]
    _check_ids(roster_path, ids)
    data_folder(data)
    settings = Settings(data=data, db=db)
    base = (base_url or f"http://127.0.0.1:{DEFAULT_PORT}").rstrip("/")
    previous = {} if rotate else _previous(out)
    rows, new, shown_again, not_shown = [], 0, 0, []
    sessions = open_database(settings.database_url)
    with transaction(sessions) as session:
        people = [(INSTRUCTOR, None)] + [(STUDENT, sid) for sid in ids]
        for role, sid in people:
            token, fresh = _person(session, role, sid, rotate, previous.get((role, sid or "")))
            new += fresh
            shown_again += bool(token) and not fresh
            if token is None:
                not_shown.append(sid or INSTRUCTOR)
            rows.append([role, sid or "", token or "", f"{base}/signin?token={token}" if token else ""])
        gone = session.scalars(select(Token).where(Token.role == STUDENT, Token.active.is_(True),
                                                   Token.student_id.not_in(ids))).all()
        for row in gone:
            row.active = False
        _write_secret(out, rows)
    sessions.kw["bind"].dispose()
    atomic_write(data / ROSTER_FILE, roster_path.read_bytes())
    return Issued(out, len(ids), new, shown_again, tuple(not_shown), tuple(sorted({r.student_id for r in gone})))


def _write_secret(out: Path, rows: list[list[str]]) -> None:
    """The tokens file, atomically, readable by its owner only (written before the tokens are committed: a
    token is never valid unless it is in the file)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([[spreadsheet_safe(cell) for cell in row] for row in rows])
    previous = os.umask(0o077)
    try:
        atomic_write(out, buffer.getvalue())
    finally:
        os.umask(previous)
