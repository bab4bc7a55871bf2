"""The grading service: students hand in and get the public tests' verdict in seconds; instructors grade the class
with the hidden tests, release the results and download the gradebook files, from one place.

    autograder tokens --data DIR --roster roster.csv --out tokens.csv   # -> service.issue_tokens
    autograder serve --data DIR                                         # -> service.serve

It sits above `autograder.api` (it grades through `grading.one.grade_one` in a warm sandbox per assignment, and a
class through `api.grade_batch`), below the CLI: the two commands call the two functions here. The web parts
(FastAPI, SQLAlchemy, Alembic, Jinja2) are the optional extra `[service]` and are imported only when used.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

__all__ = ["issue_tokens", "serve"]


def serve(data: Path, host: str = "127.0.0.1", port: int = 8000, db: str | None = None,
          on_ready: Callable[[str], None] | None = None, **settings) -> None:
    """`autograder serve`: the service for the course, until stopped; `on_ready(url)` once it listens.
    `settings`: the other fields of `config.Settings` (rate limit, slots, upload size, public URL)."""
    from autograder.service.server import run  # noqa: PLC0415 (the web stack: only for this command)

    run(data, host, port, db, on_ready, **settings)


def issue_tokens(data: Path, roster: Path, out: Path, rotate: bool = False, db: str | None = None,
                 base_url: str | None = None):
    """`autograder tokens`: a sign-in token per roster student and one for the instructor, written to `out`
    (a `tokens.Issued`)."""
    from autograder.service.tokens import issue  # noqa: PLC0415

    return issue(data, roster, out, rotate=rotate, db=db, base_url=base_url)
