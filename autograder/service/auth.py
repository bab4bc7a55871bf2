"""Who is asking: a bearer token (the JSON API) or a signed session cookie (the pages, after signing in with the
token's link); CSRF tokens for the pages' forms. Tokens are random, only their SHA-256 is stored, and the stored
hash is compared in constant time."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from autograder.service.models import INSTRUCTOR, Token

SESSION_KEY, CSRF_KEY = "tid", "csrf"
CSRF_HEADER, CSRF_FIELD = "x-csrf-token", "csrf"


def new_token() -> str:
    """A sign-in token: 256 random bits, URL-safe, never starting with `-` (a spreadsheet would take it for a
    formula, a shell for an option)."""
    while True:
        token = secrets.token_urlsafe(32)
        if token[0].isalnum():
            return token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """A signed-in person: the instructor, or a student of the roster. `via_session`: by the pages' cookie (its
    unsafe requests then need the CSRF token)."""

    token_id: int
    role: str
    student_id: str | None
    via_session: bool = False

    @property
    def is_instructor(self) -> bool:
        return self.role == INSTRUCTOR

    def may_see(self, student_id: str) -> bool:
        return self.is_instructor or self.student_id == student_id


def _principal(row: Token | None, via_session: bool) -> Principal | None:
    if row is None or not row.active:
        return None
    return Principal(row.id, row.role, row.student_id, via_session)


def by_token(session: Session, presented: str) -> Principal | None:
    """The active holder of `presented`, or None."""
    if not presented or len(presented) > 200:
        return None
    wanted = token_hash(presented)
    row = session.scalar(select(Token).where(Token.token_hash == wanted))
    if row is None or not hmac.compare_digest(row.token_hash, wanted):
        return None
    return _principal(row, via_session=False)


def by_session(session: Session, cookie: dict) -> Principal | None:
    """The holder of the token a session was signed in with, while that token is still active."""
    token_id = cookie.get(SESSION_KEY)
    if not isinstance(token_id, int):
        return None
    return _principal(session.get(Token, token_id), via_session=True)


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header."""
    scheme, _, value = (header or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def csrf_token(cookie: dict) -> str:
    """The session's CSRF token (made on first use): every form of the pages carries it."""
    if not isinstance(cookie.get(CSRF_KEY), str):
        cookie[CSRF_KEY] = secrets.token_urlsafe(24)
    return cookie[CSRF_KEY]


def csrf_ok(cookie: dict, sent: str | None) -> bool:
    expected = cookie.get(CSRF_KEY)
    return isinstance(expected, str) and isinstance(sent, str) and hmac.compare_digest(expected, sent)


def sign_in(cookie: dict, principal: Principal) -> None:
    """A new session for `principal` (a fresh CSRF token too)."""
    cookie.clear()
    cookie[SESSION_KEY] = principal.token_id
    csrf_token(cookie)
